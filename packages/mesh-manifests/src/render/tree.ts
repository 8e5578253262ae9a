/**
 * Everything `pnpm mesh render` produces, compared with and written to the repository: the k8s/
 * and ecs/ trees (every file in them is generated, the App Mesh CLI JSON included) and the
 * generated blocks of the guides in docs/walkthroughs.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Walkthrough } from '../model/walkthrough.js';
import { guidePath, renderGuides } from './docs/guides.js';
import { renderTargetReadmes } from './docs/targets.js';
import { renderCliJson } from './cli-json/index.js';
import { renderEcs } from './ecs/index.js';
import { renderEks } from './eks/index.js';
import { renderLiveTargets } from '../migrate/targets.js';
import type { RenderedFile } from './files.js';

/** Folders entirely owned by the renderers: a file in them that is not rendered is stale. */
export const GENERATED_ROOTS = ['k8s', 'ecs'];

export { MissingGuideError } from './docs/guides.js';

/** The English guide; `guidePath` in docs/guides.ts gives every language's. */
export function docPath(walkthrough: Walkthrough): string {
  return guidePath(walkthrough);
}

/** The rendered tree, reading only the hand-written parts of the guides from `root`. */
export function renderTree(root: string, all: readonly Walkthrough[]): RenderedFile[] {
  const files: RenderedFile[] = [];
  for (const walkthrough of all) {
    files.push(...renderEks(walkthrough), ...renderEcs(walkthrough), ...renderCliJson(walkthrough), ...renderLiveTargets(walkthrough), ...renderTargetReadmes(walkthrough));
    files.push(...renderGuides(root, walkthrough));
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

function listFiles(root: string, dir: string): string[] {
  const full = join(root, dir);
  if (!existsSync(full)) return [];
  return readdirSync(full)
    .sort()
    .flatMap((entry) => {
      const rel = `${dir}/${entry}`;
      return statSync(join(root, rel)).isDirectory() ? listFiles(root, rel) : [rel];
    });
}

export interface TreeDiff {
  created: string[];
  changed: string[];
  removed: string[];
}

export function diffTree(root: string, files: readonly RenderedFile[]): TreeDiff {
  const diff: TreeDiff = { created: [], changed: [], removed: [] };
  const rendered = new Set(files.map((f) => f.path));
  for (const file of files) {
    const full = join(root, file.path);
    if (!existsSync(full)) diff.created.push(file.path);
    else if (readFileSync(full, 'utf8') !== file.content) diff.changed.push(file.path);
  }
  for (const generatedRoot of GENERATED_ROOTS) {
    for (const path of listFiles(root, generatedRoot)) if (!rendered.has(path)) diff.removed.push(path);
  }
  return diff;
}

/** A learner's own values in a settings.env survive a re-render; only the comments and keys follow the definition. */
export function keepSettings(rendered: string, existing: string): string {
  const values = new Map<string, string>();
  for (const line of existing.split('\n')) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (match) values.set(match[1]!, match[2]!);
  }
  return rendered
    .split('\n')
    .map((line) => {
      const match = /^([A-Z_][A-Z0-9_]*)=/.exec(line);
      return match && values.has(match[1]!) ? `${match[1]}=${values.get(match[1]!)}` : line;
    })
    .join('\n');
}

/** Writes the tree; returns what changed. Stale generated files are deleted. */
export function writeTree(root: string, files: readonly RenderedFile[]): TreeDiff {
  const adjusted = files.map((file) => {
    const full = join(root, file.path);
    return file.path.endsWith('/settings.env') && existsSync(full) ? { ...file, content: keepSettings(file.content, readFileSync(full, 'utf8')) } : file;
  });
  const diff = diffTree(root, adjusted);
  for (const path of [...diff.created, ...diff.changed]) {
    const file = adjusted.find((f) => f.path === path)!;
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), file.content);
  }
  for (const path of diff.removed) rmSync(join(root, path));
  for (const generatedRoot of GENERATED_ROOTS) removeEmptyDirs(join(root, generatedRoot));
  return diff;
}

function removeEmptyDirs(dir: string): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) removeEmptyDirs(full);
  }
  if (!readdirSync(dir).length) rmSync(dir, { recursive: true });
}
