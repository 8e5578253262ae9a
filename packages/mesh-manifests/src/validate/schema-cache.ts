/**
 * The per-user cache of downloaded CRDs: `$XDG_CACHE_HOME/app-mesh-workshops/crds` (else
 * `~/.cache/…`), one folder per schema set and pinned commit, so clones and worktrees share one
 * copy and a new pin never reads an old one. A cached folder counts only when every pinned file
 * in it still has its pinned hash.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { PinnedSet } from './schema-sources.js';

const PROJECT_NAME = 'app-mesh-workshops';

/** `$XDG_CACHE_HOME`, else `~/.cache`; a relative XDG_CACHE_HOME is ignored, as the XDG spec asks. */
export function userCacheHome(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  return xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache');
}

export function schemaCacheRoot(cacheHome: string): string {
  return join(cacheHome, PROJECT_NAME, 'crds');
}

/** `<set>@<commit>`: the folder name of a pinned set, in the cache and in a download's staging folder. */
export function pinnedFolderName(pinned: PinnedSet): string {
  return `${pinned.set}@${pinned.commit.slice(0, 12)}`;
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Whether a folder holds every file of a pinned set, each with its pinned hash. */
export function holdsPinnedFiles(folder: string, pinned: PinnedSet): boolean {
  return pinned.files.every((f) => {
    const path = join(folder, f.file);
    return existsSync(path) && sha256(readFileSync(path)) === f.sha256;
  });
}
