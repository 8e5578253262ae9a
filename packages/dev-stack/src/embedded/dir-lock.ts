/**
 * A pid file beside a data directory. PGlite does not notice a second process opening the same
 * directory, and two writers would corrupt it: the second `pnpm dev` must see the directory is
 * taken. A lock whose process is gone (killed with -9) is taken over.
 */
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { processAlive as alive } from '../supervisor/alive.js';

export type LockResult = { readonly release: () => void } | { readonly heldBy: number };


export function lockDirectory(lockPath: string): LockResult {
  mkdirSync(dirname(lockPath), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(lockPath, `${process.pid}\n`, { flag: 'wx' });
      return {
        release: () => {
          try {
            if (Number(readFileSync(lockPath, 'utf8')) === process.pid) unlinkSync(lockPath);
          } catch {
            // Already gone: nothing to release.
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let holder = Number.NaN;
    try {
      holder = Number(readFileSync(lockPath, 'utf8'));
    } catch {
      continue; // Released between our two calls: try again.
    }
    if (Number.isInteger(holder) && holder > 0 && alive(holder)) return { heldBy: holder };
    try {
      unlinkSync(lockPath);
    } catch {
      // Another process took the stale lock over first; the next attempt sees its pid.
    }
  }
  throw new Error(`could not lock ${lockPath}: it keeps changing hands`);
}
