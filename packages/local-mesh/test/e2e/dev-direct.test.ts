/**
 * `pnpm dev:direct` end to end with the real apps, as the root script runs it (this package's
 * built `dist/cli/direct.js`, the apps from the registry): start, wait for the table, talk to
 * every service, vote through the UI, stop with SIGTERM, and find no process left.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findRepoRoot } from '@amw/dev-stack';
import { processAlive } from '@amw/dev-stack/supervisor';

const root = findRepoRoot();

interface TableRow {
  name: string;
  url: string;
  pid: number;
}

interface DirectRun {
  output(): string;
  /** Resolves with the table's rows once every service is ready; rejects if the command exits first. */
  ready: Promise<TableRow[]>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
}

function runDirect(args: string[]): DirectRun {
  const child = spawn(process.execPath, [join(root, 'packages/local-mesh/dist/cli/direct.js'), ...args], {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const ready = new Promise<TableRow[]>((resolve, reject) => {
    const take = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (/Open the Yelb UI at http:\/\/127\.0\.0\.1:\d+/.test(text)) {
        resolve([...text.matchAll(/^ {2}(\S+)\s+(http:\/\/127\.0\.0\.1:\d+)\s+(\d+)\s/gm)].map(([, name, url, pid]) => ({ name: name!, url: url!, pid: Number(pid) })));
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    void exit.then(({ code }) => reject(new Error(`pnpm dev:direct exited (${code}) before it was ready:\n${text}`)));
  });
  return { output: () => text, ready, exit, kill: (signal) => child.kill(signal) };
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });
}

/** A base with six free ports after it, away from the default 8080 a developer's own session uses. */
async function freePortBase(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    // Below Linux's ephemeral range (32768 on), where the clients of tests running alongside
    // take their local ports and can grab one between this check and the app's listen; and
    // above the local mesh's fixed walkthrough ports (20100-20699).
    const base = 21_000 + Math.floor(Math.random() * 11_000);
    if ((await Promise.all(Array.from({ length: 6 }, (_, i) => portFree(base + i)))).every(Boolean)) return base;
  }
  throw new Error('no six consecutive free ports found');
}

async function text(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

const byName = (rows: TableRow[], name: string) => rows.find((r) => r.name === name)!.url;

async function checkEveryService(rows: TableRow[]): Promise<void> {
  expect(rows.map((r) => r.name)).toEqual(['yelb-ui', 'yelb-appserver', 'dj', 'jazz', 'metal', 'colorteller']);
  for (const row of rows) expect((await text(`${row.url}/ping`)).status, `${row.name} /ping`).toBe(200);
  expect(JSON.parse((await text(`${byName(rows, 'dj')}/jazz`)).body)).toEqual(['Astrud Gilberto', 'Miles Davis']);
  expect(JSON.parse((await text(`${byName(rows, 'dj')}/metal`)).body)).toEqual(['Megadeth', 'Judas Priest']);
  expect((await text(`${byName(rows, 'colorteller')}/`)).body).toBe('blue');
}

async function stopAndCheck(run: DirectRun, rows: TableRow[]): Promise<void> {
  run.kill('SIGTERM');
  expect(await run.exit).toEqual({ code: 0, signal: null });
  for (const row of rows) expect(processAlive(row.pid), `${row.name} (pid ${row.pid}) is gone`).toBe(false);
}

describe('pnpm dev:direct end to end', () => {
  it('runs every app against the Postgres and Redis it finds, votes through the UI, and leaves nothing behind', async () => {
    const base = await freePortBase();
    const run = runDirect(['--port-base', String(base)]);
    let rows: TableRow[] = [];
    try {
      rows = await run.ready;
      expect(rows.map((r) => r.url)).toEqual(Array.from({ length: 6 }, (_, i) => `http://127.0.0.1:${base + i}`));
      await checkEveryService(rows);
      const ui = byName(rows, 'yelb-ui');
      const vote = await text(`${ui}/api/outback`);
      expect(vote.status).toBe(200);
      const count = Number(vote.body);
      expect(Number.isInteger(count) && count >= 1).toBe(true);
      const votes = JSON.parse((await text(`${ui}/api/getvotes`)).body) as { name: string; value: number }[];
      expect(votes.map((v) => v.name)).toEqual(['outback', 'bucadibeppo', 'ihop', 'chipotle']);
      // The server's yelbdatabase may be shared with a developer's own `pnpm dev:direct`: at least ours counted.
      expect(votes[0]!.value).toBeGreaterThanOrEqual(count);
    } finally {
      await stopAndCheck(run, rows);
    }
  }, 240_000);

  it('runs on a fresh machine’s fallbacks (embedded PGlite and the Redis stand-in)', async () => {
    const run = runDirect(['--port-base', String(await freePortBase()), '--embedded', '--in-memory']);
    let rows: TableRow[] = [];
    try {
      rows = await run.ready;
      await checkEveryService(rows);
      const ui = byName(rows, 'yelb-ui');
      expect((await text(`${ui}/api/ihop`)).body).toBe('1');
      expect((await text(`${ui}/api/ihop`)).body).toBe('2');
      const votes = JSON.parse((await text(`${ui}/api/getvotes`)).body) as { name: string; value: number }[];
      expect(votes).toEqual([
        { name: 'outback', value: 0 },
        { name: 'bucadibeppo', value: 0 },
        { name: 'ihop', value: 2 },
        { name: 'chipotle', value: 0 },
      ]);
      const stats = JSON.parse((await text(`${ui}/api/getstats`)).body) as { pageviews: number };
      expect(stats.pageviews).toBe(1);
    } finally {
      await stopAndCheck(run, rows);
    }
  }, 240_000);
});
