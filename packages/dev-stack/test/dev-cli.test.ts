/**
 * The `pnpm dev:direct` runner over a workspace of fixture apps (tiny servers that report the
 * environment they were given), so its wiring from the apps' launch descriptors, its messages and
 * its clean-up are checked without the real apps. @amw/local-mesh's tests run the real ones.
 */
import { realpathSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { redisAnswers } from '../src/probe.js';
import { runCli, waitForTable } from './dev-cli.helpers.js';
import { FIXTURE_APPS, fixtureWorkspace, removeFixtureWorkspaces } from './fixture-workspace.js';
import { alive, freePortBase } from './helpers.js';

/** Names and offsets of the fixture apps' processes, in port order. */
const SERVICES = [
  { name: 'front', offset: 0 },
  { name: 'api', offset: 1 },
  { name: 'relay', offset: 2 },
  { name: 'left', offset: 3 },
  { name: 'right', offset: 4 },
];
const SPAN = 5;

afterAll(removeFixtureWorkspaces);

describe('pnpm dev:direct (fixture apps)', () => {
  it('wires every app as its descriptor says, to the others and to the embedded fallbacks, then stops them all on SIGINT', async () => {
    const root = fixtureWorkspace();
    const base = await freePortBase(SPAN);
    // Another address of the loopback range on the api's port: the apps bind 127.0.0.1 only, so
    // it is no obstacle, and the port check must not claim it is (it used to try every interface).
    const neighbour = createServer();
    await new Promise<void>((resolve) => neighbour.listen(base + 1, '127.0.0.2', resolve));
    const run = runCli(root, ['--port-base', String(base), '--embedded', '--in-memory']);
    const rows = await waitForTable(run).finally(() => neighbour.close());
    try {
      expect(rows.map((r) => r.name)).toEqual(SERVICES.map((s) => s.name));
      expect(rows.map((r) => r.url)).toEqual(SERVICES.map((s) => `http://127.0.0.1:${base + s.offset}`));
      expect(run.output()).toMatch(/^Postgres: using the embedded PGlite fallback at postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres \(data in memory only/m);
      expect(run.output()).toMatch(/^Redis: using the in-process stand-in at redis:\/\/127\.0\.0\.1:\d+ /m);
      expect(run.output()).toMatch(/^front +\| fixture says hello$/m);
      expect(run.output()).toContain(`→ Open the front page at http://127.0.0.1:${base}   (Ctrl-C stops everything)`);

      const env = Object.fromEntries(
        await Promise.all(rows.map(async (r) => [r.name, (await (await fetch(`${r.url}/env`)).json()) as Record<string, string>] as const)),
      );
      const port = (name: string) => base + SERVICES.find((s) => s.name === name)!.offset;
      for (const row of rows) {
        expect(env[row.name]!.PORT).toBe(String(port(row.name)));
        expect(env[row.name]!.pid).toBe(row.pid);
        expect(env[row.name]!.NO_PROXY).toMatch(/127\.0\.0\.1/);
        // This machine only, unless --bind-address says otherwise.
        expect(env[row.name]!.BIND_ADDRESS).toBe('127.0.0.1');
      }
      expect(run.output()).not.toContain('warning');
      expect(env['front']!.API_URL).toBe(`http://127.0.0.1:${port('api')}`);
      expect(env['relay']).toMatchObject({ LEFT_URL: `http://127.0.0.1:${port('left')}/`, RIGHT_URL: `http://127.0.0.1:${port('right')}/` });
      // Two processes of one app, each in the app's own folder (found through the node_modules link).
      expect(env['left']).toMatchObject({ SIDE: 'left', cwd: realpathSync(join(root, 'apps', 'echo')) });
      expect(env['right']).toMatchObject({ SIDE: 'right', cwd: realpathSync(join(root, 'apps', 'echo')) });
      // The control port is the local mesh's business: dev:direct never opens it.
      expect(env['left']!.CONTROL_PORT).toBeUndefined();

      const { DATABASE_URL, REDIS_URL } = env['api']!;
      expect(DATABASE_URL).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/appdb$/);
      expect(env['front']!.DATABASE_URL).toBeUndefined();
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
    // The embedded Postgres takes its time to start on a loaded CI machine: as long as the table may take.
  }, 200_000);

  it('fails in one line, naming what to build, when an app is not built', async () => {
    const root = fixtureWorkspace({ ...FIXTURE_APPS, echo: { ...FIXTURE_APPS.echo, built: false } });
    const run = runCli(root, []);
    expect(await run.exit).toEqual({ code: 1, signal: null });
    expect(run.output()).toBe(
      'dev: apps/echo/dist/main.js is missing: build the apps first with `pnpm build` (`pnpm dev:direct` from the repository root builds them for you)\n',
    );
  });

  it('fails in one line when a port is taken, before starting anything', async () => {
    const root = fixtureWorkspace();
    const base = await freePortBase(SPAN);
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(base + 1, resolve));
    try {
      const run = runCli(root, ['--port-base', String(base), '--embedded', '--in-memory']);
      expect(await run.exit).toEqual({ code: 1, signal: null });
      expect(run.output()).toBe(`dev: port ${base + 1} (for api) is in use: stop what listens there, or pick other ports with --port-base <n> (or DEV_PORT_BASE)\n`);
    } finally {
      squatter.close();
    }
  });

  it('explains a bad option or port base in one line', async () => {
    const root = fixtureWorkspace();
    const bad = runCli(root, ['--port-base', 'eighty']);
    expect(await bad.exit).toEqual({ code: 2, signal: null });
    expect(bad.output()).toBe('dev: --port-base must be a whole number, got "eighty": pass e.g. --port-base 18080\n');

    const high = runCli(root, [], { DEV_PORT_BASE: '65534' });
    expect(await high.exit).toEqual({ code: 2, signal: null });
    expect(high.output()).toBe(`dev: DEV_PORT_BASE must be between 1 and ${65535 - SPAN + 1} (the apps need ${SPAN} ports from it), got 65534\n`);

    const elsewhere = runCli(root, ['--bind-address', '192.0.2.7']);
    expect(await elsewhere.exit).toEqual({ code: 2, signal: null });
    expect(elsewhere.output()).toBe(
      'dev: --bind-address must be 127.0.0.1 (this machine only, the default) or 0.0.0.0 or :: (every interface), got "192.0.2.7": the processes reach each other on 127.0.0.1, so a listener on a single other address would cut them off\n',
    );

    const unknown = runCli(root, ['--mesh']);
    expect(await unknown.exit).toEqual({ code: 2, signal: null });
    expect(unknown.output()).toBe("dev: Unknown option '--mesh': run with --help to see the options\n");
  });

  it('opens the apps to the network only when asked, and says so in one line on stderr', async () => {
    const root = fixtureWorkspace();
    const base = await freePortBase(SPAN);
    const run = runCli(root, ['--port-base', String(base), '--bind-address', '0.0.0.0', '--embedded', '--in-memory']);
    const rows = await waitForTable(run);
    try {
      expect(run.stderr()).toMatch(/^dev: warning: --bind-address 0\.0\.0\.0: the apps accept connections from the network: anyone who can reach this machine can call them\n/);
      for (const row of rows) expect(((await (await fetch(`${row.url}/env`)).json()) as Record<string, string>).BIND_ADDRESS).toBe('0.0.0.0');
    } finally {
      run.child.kill('SIGINT');
    }
    expect((await run.exit).code).toBe(0);
  }, 200_000);

  it('prints its usage with the port of every app', async () => {
    const help = runCli(fixtureWorkspace(), ['--help']);
    expect(await help.exit).toEqual({ code: 0, signal: null });
    for (const service of SERVICES) expect(help.output()).toContain(`${8080 + service.offset}  ${service.name}`);
  });

  it('names the apps whose descriptors clash, in one line, before starting anything', async () => {
    const clash = fixtureWorkspace({
      ...FIXTURE_APPS,
      relay: { launch: { direct: [{ name: 'relay', offset: 1, describe: 'takes the API’s port', env: { LEFT_URL: { urlOf: 'nowhere' } } }] } },
    });
    const run = runCli(clash, ['--help']);
    expect(await run.exit).toEqual({ code: 1, signal: null });
    expect(run.output()).toBe(
      'dev: pnpm dev:direct cannot run these apps: @fixture/api (api) and @fixture/relay (relay) both use the port offset 1; @fixture/relay (relay) wants the URL of "nowhere", which no app starts\n',
    );
  });

  it('names the file and every mistake of a bad launch descriptor, in one line', async () => {
    const root = fixtureWorkspace({ ...FIXTURE_APPS, relay: { launch: '{ "direct": [{ "name": "relay", "ofset": 2, "describe": "" }], "redis": {} }' } });
    const run = runCli(root, []);
    expect(await run.exit).toEqual({ code: 1, signal: null });
    const file = join(realpathSync(root), 'apps', 'relay', 'launch.json');
    expect(run.output()).toBe(
      `dev: ${file}: redis.env is missing; direct[0] has an unknown key "ofset" (allowed: name, offset, describe, env, landing); direct[0].offset is missing; direct[0].describe must be a non-empty string\n`,
    );
  });
});
