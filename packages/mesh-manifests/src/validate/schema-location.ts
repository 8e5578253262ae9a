/**
 * Finds the CRDs a validation needs, in the order users of schema tools such as kubeconform
 * (`-schema-location`) expect: a folder the user names (`--schemas DIR` or `AMW_SCHEMAS_DIR`),
 * used alone, so what they named is what they get; otherwise the per-user cache; otherwise the
 * pinned upstream files, downloaded, checked against their hashes and cached for the next run.
 * Every way of not finding them ends in one SchemasUnavailableError line saying what is missing,
 * where it was looked for and how to provide it.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { availableSchemaSets, SCHEMA_SETS, type SchemaFolders, type SchemaSet } from './crds.js';
import { holdsPinnedFiles, pinnedFolderName, schemaCacheRoot } from './schema-cache.js';
import { downloadPinnedSets, DownloadError } from './schema-download.js';
import { DEFAULT_SCHEMA_BASE_URL, SCHEMA_SOURCES, type PinnedSet } from './schema-sources.js';
import { SchemasUnavailableError } from './schemas-unavailable.js';

/** A schemas folder the user named, and how (for messages): `--schemas` or `AMW_SCHEMAS_DIR`. */
export interface NamedSchemasFolder {
  path: string;
  namedBy: '--schemas' | 'AMW_SCHEMAS_DIR';
}

export interface SchemaLookup {
  /** The sets to find; nothing is looked up (or downloaded) for a set no object uses. */
  sets: readonly SchemaSet[];
  folder?: NamedSchemasFolder | undefined;
  /** `$XDG_CACHE_HOME` or `~/.cache` (see userCacheHome). */
  cacheHome: string;
  /** Where the pinned files are fetched from; tests point it at a local server. */
  baseUrl?: string | undefined;
  sources?: readonly PinnedSet[];
  progress?: (line: string) => void;
  timeoutMs?: number;
}

export type SchemaOrigin = 'named folder' | 'cache' | 'download';

export interface LocatedSchemas {
  folders: SchemaFolders;
  origins: Partial<Record<SchemaSet, SchemaOrigin>>;
}

const DEFAULT_TIMEOUT_MS = 60_000;

/** `--schemas` wins over `AMW_SCHEMAS_DIR`; an empty value counts as not given. */
export function namedSchemasFolder(option: string | undefined, env: NodeJS.ProcessEnv = process.env): NamedSchemasFolder | undefined {
  if (option) return { path: resolve(option), namedBy: '--schemas' };
  if (env.AMW_SCHEMAS_DIR) return { path: resolve(env.AMW_SCHEMAS_DIR), namedBy: 'AMW_SCHEMAS_DIR' };
  return undefined;
}

export async function locateSchemas(lookup: SchemaLookup): Promise<LocatedSchemas> {
  if (!lookup.sets.length) return { folders: {}, origins: {} };
  if (lookup.folder) return fromNamedFolder(lookup.folder, lookup.sets);

  const sources = lookup.sources ?? SCHEMA_SOURCES;
  const progress = lookup.progress ?? (() => {});
  const cacheRoot = schemaCacheRoot(lookup.cacheHome);
  const located: LocatedSchemas = { folders: {}, origins: {} };
  const toDownload: PinnedSet[] = [];
  for (const set of lookup.sets) {
    const pinned = sources.find((s) => s.set === set);
    if (!pinned) throw new Error(`no pinned source for ${set} in schema-sources.ts`);
    const cached = join(cacheRoot, pinnedFolderName(pinned));
    if (holdsPinnedFiles(cached, pinned)) {
      located.folders[set] = cached;
      located.origins[set] = 'cache';
      continue;
    }
    if (existsSync(cached)) progress(`${cached} does not hold the pinned files: downloading them again`);
    toDownload.push(pinned);
  }
  if (!toDownload.length) return located;

  try {
    const downloaded = await downloadPinnedSets(toDownload, {
      baseUrl: lookup.baseUrl || DEFAULT_SCHEMA_BASE_URL,
      cacheRoot,
      progress,
      timeoutMs: lookup.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
    for (const pinned of toDownload) {
      located.folders[pinned.set] = downloaded[pinned.set];
      located.origins[pinned.set] = 'download';
    }
  } catch (error) {
    if (!(error instanceof DownloadError)) throw error;
    const sets = toDownload.map((p) => p.set);
    const failure = error.refused ? `was refused: ${error.reason}` : `could not be downloaded (${error.reason})`;
    throw new SchemasUnavailableError(
      `${labels(sets)} are not cached in ${cacheRoot}, and ${error.url} ${failure}; nothing was cached — pass --schemas DIR naming a folder with ${subfolders(lookup.sets)} in it`,
    );
  }
  progress(`${labels(toDownload.map((p) => p.set))}: every file matched its pinned sha256; cached in ${cacheRoot}`);
  return located;
}

function fromNamedFolder(folder: NamedSchemasFolder, sets: readonly SchemaSet[]): LocatedSchemas {
  const exists = existsSync(folder.path) && statSync(folder.path).isDirectory();
  const present = exists ? availableSchemaSets(folder.path) : [];
  const missing = sets.filter((set) => !present.includes(set));
  if (missing.length) {
    const problem = exists ? `has no ${subfolders(missing)}` : 'is not a folder';
    throw new SchemasUnavailableError(
      `${folder.namedBy} ${folder.path} ${problem}: name a folder with ${subfolders(sets)} in it, or set neither --schemas nor AMW_SCHEMAS_DIR to use the pinned upstream CRDs (downloaded once, then cached)`,
    );
  }
  return {
    folders: Object.fromEntries(sets.map((set) => [set, join(folder.path, set)])),
    origins: Object.fromEntries(sets.map((set) => [set, 'named folder'])),
  };
}

function listed(items: readonly string[]): string {
  return items.length > 1 ? `${items.slice(0, -1).join(', ')} and ${items.at(-1)}` : (items[0] ?? '');
}

const labels = (sets: readonly SchemaSet[]) => listed(sets.map((s) => SCHEMA_SETS[s]));
const subfolders = (sets: readonly SchemaSet[]) => listed(sets.map((s) => `${s}/`));
