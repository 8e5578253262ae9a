/**
 * Downloads pinned CRD files into the cache. Nothing reaches the cache unless every file of every
 * requested set arrived whole and with its pinned sha256: files are written into a staging folder
 * beside the cached ones, and each set's folder is renamed into place only after every check
 * passed — a rename within one file system is atomic, so no run ever reads half a set.
 */
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SchemaFolders } from './crds.js';
import { holdsPinnedFiles, pinnedFolderName, sha256 } from './schema-cache.js';
import { sourceUrl, type PinnedSet } from './schema-sources.js';

export interface DownloadOptions {
  /** `https://raw.githubusercontent.com`, or a test's local server. */
  baseUrl: string;
  cacheRoot: string;
  /**
   * Receives one line per file once it arrived and passed its check — not before, so that a
   * machine without network sees only the one line of the error.
   */
  progress: (line: string) => void;
  /** Per file: a firewall that drops packets would otherwise hold the command for minutes. */
  timeoutMs: number;
}

/** A file that could not be fetched (`refused: false`) or arrived with the wrong hash (`refused: true`). */
export class DownloadError extends Error {
  override name = 'DownloadError';
  constructor(
    readonly url: string,
    readonly reason: string,
    readonly refused: boolean,
  ) {
    super(`${url}: ${reason}`);
  }
}

/** Fetches every file of the sets, checks each hash, then moves the sets into the cache; returns their cached folders. */
export async function downloadPinnedSets(sets: readonly PinnedSet[], options: DownloadOptions): Promise<SchemaFolders> {
  const firstCreated = mkdirSync(options.cacheRoot, { recursive: true });
  const staging = mkdtempSync(join(options.cacheRoot, '.download-'));
  let complete = false;
  try {
    const total = sets.reduce((n, pinned) => n + pinned.files.length, 0);
    let count = 0;
    for (const pinned of sets) {
      const folder = join(staging, pinnedFolderName(pinned));
      mkdirSync(folder);
      for (const file of pinned.files) {
        const url = sourceUrl(options.baseUrl, pinned, file);
        const body = await fetchFile(url, options.timeoutMs);
        const actual = sha256(body);
        if (actual !== file.sha256) throw new DownloadError(url, `its sha256 is ${actual}, but ${file.sha256} is pinned`, true);
        writeFileSync(join(folder, file.file), body);
        options.progress(`downloaded ${++count}/${total} ${pinned.set}/${file.file} (${body.length} bytes, sha256 as pinned) from ${url}`);
      }
    }
    const folders: SchemaFolders = {};
    for (const pinned of sets) {
      const target = join(options.cacheRoot, pinnedFolderName(pinned));
      moveIntoPlace(join(staging, pinnedFolderName(pinned)), target, pinned);
      folders[pinned.set] = target;
    }
    complete = true;
    return folders;
  } finally {
    rmSync(staging, { recursive: true, force: true });
    if (!complete && firstCreated) removeEmptyFolders(options.cacheRoot, firstCreated);
  }
}

/** A failed first download leaves no empty cache folders behind: from `folder` up to `top`, each one still empty. */
function removeEmptyFolders(folder: string, top: string): void {
  for (let current = folder; ; current = dirname(current)) {
    try {
      rmdirSync(current);
    } catch {
      return; // not empty: another run is using it
    }
    if (current === top) return;
  }
}

function moveIntoPlace(from: string, to: string, pinned: PinnedSet): void {
  // A folder already there is either a damaged copy (it is why we downloaded) or one another run
  // just finished: keep a good one, replace a bad one.
  if (existsSync(to)) {
    if (holdsPinnedFiles(to, pinned)) return;
    rmSync(to, { recursive: true, force: true });
  }
  try {
    renameSync(from, to);
  } catch (error) {
    if (existsSync(to) && holdsPinnedFiles(to, pinned)) return;
    throw error;
  }
}

async function fetchFile(url: string, timeoutMs: number): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new DownloadError(url, describeFetchError(error, timeoutMs), false);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new DownloadError(url, `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`, false);
  }
  try {
    return new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    // Fetch rejects when the connection closes before Content-Length bytes came.
    throw new DownloadError(url, `the transfer broke off: ${describeFetchError(error, timeoutMs)}`, false);
  }
}

/** Fetch wraps the network's error (DNS, refused connection, reset) as `cause` under a bare "fetch failed". */
function describeFetchError(error: unknown, timeoutMs: number): string {
  if ((error as { name?: unknown } | null)?.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s`;
  let cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof AggregateError) cause = cause.errors[0];
  if (cause instanceof Error) return cause.message || String((cause as { code?: unknown }).code ?? cause.name);
  return error instanceof Error ? error.message : String(error);
}
