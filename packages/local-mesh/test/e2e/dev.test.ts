/**
 * `pnpm dev` as a learner runs it: every walkthrough at once from the built CLI, on the fixed
 * ports the guides print, every check of each walkthrough's final step passing against it, the
 * overview page linking every walkthrough's console, and nothing left running after SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresForTests, redisForTests } from '@amw/dev-stack/testing';
import { checksAt, localEntryPort, walkthroughs } from '@amw/mesh-manifests';
import { CheckClient, type TraceSegment } from '../../src/checks/runner.js';
import { boundSockets, commandOf, descendants } from '../helpers/sockets.js';
import { startCli, type CliProcess } from './cli-process.js';

const postgres = await postgresForTests('localmesh_dev');
const redis = await redisForTests();

interface ReadyLine {
  walkthrough: string;
  step: string;
  entries: Record<string, string>;
  admin: Record<string, string>;
  console: string;
}

describe.runIf(postgres && redis)('pnpm dev', () => {
  let dev: CliProcess | undefined;
  let stateDir: string;
  const ready = new Map<string, ReadyLine>();
  let overviewUrl: string | undefined;
  const output = () => dev?.output() ?? '';

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'amw-dev-'));
    dev = await startCli(['dev', '--quiet'], { AMW_LOCAL_MESH_STATE_DIR: stateDir, DATABASE_URL: postgres!.url, REDIS_URL: redis!.url }, (line) => {
      if (line.startsWith('{"walkthrough"')) {
        const parsed = JSON.parse(line) as ReadyLine;
        ready.set(parsed.walkthrough, parsed);
      }
      // The overview's line comes after the walkthroughs' ready lines.
      if (!line.startsWith('{"overview"')) return false;
      overviewUrl = (JSON.parse(line) as { overview: string }).overview;
      return true;
    });
  }, 240_000);

  afterAll(async () => {
    if (dev) expect(await dev.stop(), 'processes left behind by pnpm dev').toEqual([]);
    await rm(stateDir, { recursive: true, force: true });
    await postgres?.drop();
    await redis?.release();
  }, 60_000);

  it('brings up all six walkthroughs at their last step, on the ports the guides print', () => {
    for (const [position, walkthrough] of walkthroughs.entries()) {
      const line = ready.get(walkthrough.name);
      expect(line?.step).toBe(walkthrough.steps.at(-1)!.name);
      for (const entry of walkthrough.entries) {
        expect(line!.entries[entry.name], `${walkthrough.name} entry ${entry.name} (is another pnpm dev running?)`).toBe(
          `http://127.0.0.1:${localEntryPort(walkthrough, position, entry.name)}`,
        );
      }
    }
  });

  it('serves one overview listing every walkthrough with its step, health and a console link that answers', async () => {
    expect(overviewUrl).toBe('http://127.0.0.1:20000/');
    expect(output()).toContain(`▸ every walkthrough, its step, health and console: ${overviewUrl}`);
    const page = await fetch(overviewUrl!);
    expect(page.status).toBe(200);
    const html = await page.text();
    const rows = [...html.matchAll(/<tr data-walkthrough="([^"]+)">([\s\S]*?)<\/tr>/g)].map((m) => ({
      name: m[1]!,
      step: /data-field="step">([^ <]+)/.exec(m[2]!)![1],
      health: /data-field="health"[^>]*>([^<]+)/.exec(m[2]!)![1],
      console: /<a href="([^"]+)" data-field="console">/.exec(m[2]!)![1]!,
    }));
    expect(rows.map((r) => r.name)).toEqual(walkthroughs.map((w) => w.name));
    for (const row of rows) {
      const line = ready.get(row.name)!;
      expect(row.step).toBe(line.step);
      expect(row.health).toMatch(/^✓ ready (\d+)\/\1$/);
      expect(row.console).toBe(line.console);
      const consolePage = await fetch(row.console);
      expect(consolePage.status, `${row.name}'s console`).toBe(200);
      expect(await consolePage.text()).toContain('<div id="root">');
    }
  });

  it.each(walkthroughs.map((w) => [w.name, w] as const))('every check of %s passes against it', async (_name, walkthrough) => {
    const line = ready.get(walkthrough.name)!;
    const controlPlane = (JSON.parse(readFileSync(join(stateDir, 'run', `${walkthrough.name}.json`), 'utf8')) as { controlPlane: string }).controlPlane;
    const client = new CheckClient({
      entries: () => line.entries,
      entryKinds: Object.fromEntries(walkthrough.entries.map((e) => [e.name, e.kind])),
      trace: async (id) => (await (await fetch(`${controlPlane}/v1/traces/${id}`)).json()) as TraceSegment[],
      minSamples: 1000,
    });
    try {
      for (const check of checksAt(walkthrough, line.step)) {
        const outcome = await client.run(check);
        expect(outcome.ok, `${check.name}:\n  ${outcome.lines.join('\n  ')}`).toBe(true);
      }
    } finally {
      client.close();
    }
  }, 120_000);

  // Last: by now every proxy has flushed DogStatsD and sent X-Ray spans, so their UDP sockets exist too.
  it('every process it started, and itself, listens on 127.0.0.1 only', () => {
    const pid = dev!.child.pid!;
    const pids = [pid, ...descendants(pid)];
    const sockets = boundSockets(pids);
    const exposed = sockets.filter((s) => s.address !== '127.0.0.1').map((s) => `${s.protocol} ${s.address}:${s.port} of ${commandOf(s.pid)}`);
    expect(exposed).toEqual([]);
    // Not vacuous: every app and proxy was seen listening, and datagrams were sent from somewhere.
    const listening = new Set(sockets.filter((s) => s.protocol === 'tcp').map((s) => s.pid));
    expect(pids.filter((pid) => !listening.has(pid) && /\/(main|proxy-main)\.js/.test(commandOf(pid))).map(commandOf)).toEqual([]);
    expect(sockets.filter((s) => s.protocol === 'udp' && s.pid !== pid).length).toBeGreaterThan(0);
  });
});
