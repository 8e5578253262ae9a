/**
 * The `pnpm dev` CLI against a workspace of fixture apps (tiny servers that report the
 * environment they were given), so its wiring, messages and clean-up are checked whatever state
 * the real apps are in. dev-e2e.test.ts runs the real apps.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { redisAnswers } from '../src/probe.js';
import { DEV_SERVICES, PORT_SPAN } from '../src/dev/services.js';
import { runCli, waitForTable } from './dev-cli.helpers.js';
import { alive, freePortBase } from './helpers.js';

const fixture = fileURLToPath(new URL('./fixtures/service.mjs', import.meta.url));
const roots: string[] = [];

function fixtureWorkspace(apps: readonly string[] = DEV_SERVICES.map((s) => s.app)): string {
  const root = mkdtempSync(join(tmpdir(), 'amw-dev-'));
  roots.push(root);
  writeFileSync(join(root, 'package.json'), '{"type":"module"}\n');
  for (const service of DEV_SERVICES.filter((s) => apps.includes(s.app))) {
    const entry = join(root, 'apps', service.app, service.entry);
    mkdirSync(dirname(entry), { recursive: true });
    copyFileSync(fixture, entry);
  }
  return root;
}

afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

describe('pnpm dev:direct (fixture apps)', () => {
  it('wires every app to the others and to the embedded fallbacks, then stops them all on SIGINT', async () => {
    const root = fixtureWorkspace();
    const base = await freePortBase(PORT_SPAN);
    const run = runCli(['--root', root, '--port-base', String(base), '--embedded', '--in-memory']);
    const rows = await waitForTable(run);
    try {
      expect(rows.map((r) => r.name)).toEqual(DEV_SERVICES.map((s) => s.name));
      expect(rows.map((r) => r.url)).toEqual(DEV_SERVICES.map((s) => `http://127.0.0.1:${base + s.offset}`));
      expect(run.output()).toMatch(/^Postgres: using the embedded PGlite fallback at postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres \(data in memory only/m);
      expect(run.output()).toMatch(/^Redis: using the in-process stand-in at redis:\/\/127\.0\.0\.1:\d+ /m);
      expect(run.output()).toMatch(/^yelb-ui +\| fixture says hello$/m);

      const env = Object.fromEntries(
        await Promise.all(rows.map(async (r) => [r.name, (await (await fetch(`${r.url}/env`)).json()) as Record<string, string>] as const)),
      );
      const port = (name: string) => base + DEV_SERVICES.find((s) => s.name === name)!.offset;
      for (const row of rows) {
        expect(env[row.name]!.PORT).toBe(String(port(row.name)));
        expect(env[row.name]!.pid).toBe(row.pid);
        expect(env[row.name]!.NO_PROXY).toMatch(/127\.0\.0\.1/);
      }
      expect(env['yelb-ui']!.YELB_APPSERVER_ENDPOINT).toBe(`http://127.0.0.1:${port('yelb-appserver')}`);
      expect(env['dj']).toMatchObject({ JAZZ_URL: `http://127.0.0.1:${port('jazz')}/`, METAL_URL: `http://127.0.0.1:${port('metal')}/` });
      expect(env['jazz']).toMatchObject({ GENRE: 'jazz', VERSION: 'v1', cwd: join(root, 'apps', 'music') });
      expect(env['metal']).toMatchObject({ GENRE: 'metal', VERSION: 'v1' });
      expect(env['colorteller']).toMatchObject({ COLOR: 'blue' });

      const { DATABASE_URL, REDIS_URL } = env['yelb-appserver']!;
      expect(DATABASE_URL).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/yelbdatabase$/);
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      const { rows: dbRows } = await client.query<{ db: string }>('SELECT current_database() AS db');
      await client.end();
      expect(dbRows[0]!.db).toBe('postgres'); // PGlite's one database answers every name
      expect(await redisAnswers(REDIS_URL!)).toBe(true);
    } finally {
      run.child.kill('SIGINT');
    }
    expect(await run.exit).toEqual({ code: 0, signal: null });
    expect(run.output()).toMatch(/All services stopped\.\n$/);
    for (const row of rows) expect(alive(row.pid)).toBe(false);
  });

  it('fails in one line, naming what to build, when an app is not built', async () => {
    const root = fixtureWorkspace(['yelb-ui', 'yelb-appserver', 'dj', 'colorteller']);
    const run = runCli(['--root', root]);
    expect(await run.exit).toEqual({ code: 1, signal: null });
    expect(run.output()).toBe(
      'dev: apps/music/dist/main.js is missing: build the apps first with `pnpm build` (`pnpm dev:direct` from the repository root builds them for you)\n',
    );
  });

  it('fails in one line when a port is taken, before starting anything', async () => {
    const root = fixtureWorkspace();
    const base = await freePortBase(PORT_SPAN);
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(base + 1, resolve));
    try {
      const run = runCli(['--root', root, '--port-base', String(base), '--embedded', '--in-memory']);
      expect(await run.exit).toEqual({ code: 1, signal: null });
      expect(run.output()).toBe(
        `dev: port ${base + 1} (for yelb-appserver) is in use: stop what listens there, or pick other ports with --port-base <n> (or DEV_PORT_BASE)\n`,
      );
    } finally {
      squatter.close();
    }
  });

  it('explains a bad option or port base in one line', async () => {
    const bad = runCli(['--port-base', 'eighty']);
    expect(await bad.exit).toEqual({ code: 2, signal: null });
    expect(bad.output()).toBe('dev: --port-base must be a whole number, got "eighty": pass e.g. --port-base 18080\n');

    const high = runCli([], { DEV_PORT_BASE: '65534' });
    expect(await high.exit).toEqual({ code: 2, signal: null });
    expect(high.output()).toBe(`dev: DEV_PORT_BASE must be between 1 and ${65535 - PORT_SPAN + 1} (the apps need ${PORT_SPAN} ports from it), got 65534\n`);

    const unknown = runCli(['--mesh']);
    expect(await unknown.exit).toEqual({ code: 2, signal: null });
    expect(unknown.output()).toBe("dev: Unknown option '--mesh': run with --help to see the options\n");
  });

  it('prints its usage with the port of every app', async () => {
    const help = runCli(['--help']);
    expect(await help.exit).toEqual({ code: 0, signal: null });
    for (const service of DEV_SERVICES) expect(help.output()).toContain(`${8080 + service.offset}  ${service.name}`);
  });
});
