/**
 * `pnpm dev` as a learner runs it: every walkthrough at once from the built CLI, on the fixed
 * ports the guides print, every check of each walkthrough's final step passing against it, and
 * nothing left running after SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRepoRoot } from '@amw/dev-stack';
import { processAlive } from '@amw/dev-stack/supervisor';
import { postgresForTests, redisForTests } from '@amw/dev-stack/testing';
import { checksAt, localEntryPort, walkthroughs } from '@amw/mesh-manifests';
import { CheckClient, type TraceSegment } from '../../src/checks/runner.js';
import { boundSockets, commandOf, descendants } from '../helpers/sockets.js';

const postgres = await postgresForTests('localmesh_dev');
const redis = await redisForTests();

interface ReadyLine {
  walkthrough: string;
  step: string;
  entries: Record<string, string>;
  admin: Record<string, string>;
}

describe.runIf(postgres && redis)('pnpm dev', () => {
  let dev: ChildProcess;
  let stateDir: string;
  const ready = new Map<string, ReadyLine>();
  let output = '';

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'amw-dev-'));
    const root = findRepoRoot();
    dev = spawn(process.execPath, [join(root, 'packages/local-mesh/dist/cli/main.js'), 'dev', '--quiet'], {
      cwd: root,
      env: { ...process.env, AMW_LOCAL_MESH_STATE_DIR: stateDir, DATABASE_URL: postgres!.url, REDIS_URL: redis!.url, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    dev.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      let buffered = '';
      dev.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        buffered += chunk.toString();
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          if (line.startsWith('{"walkthrough"')) {
            const parsed = JSON.parse(line) as ReadyLine;
            ready.set(parsed.walkthrough, parsed);
            if (ready.size === walkthroughs.length) resolve();
          }
        }
      });
      dev.once('exit', (code) => reject(new Error(`pnpm dev exited with ${code} before it was ready:\n${output}`)));
    });
  }, 240_000);

  afterAll(async () => {
    if (dev && dev.exitCode === null) {
      const children = descendants(dev.pid!);
      const exited = new Promise((resolve) => dev.once('exit', resolve));
      dev.kill('SIGTERM');
      await exited;
      await new Promise((r) => setTimeout(r, 200));
      expect(children.filter(processAlive), 'processes left behind by pnpm dev').toEqual([]);
    }
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
    const pids = [dev.pid!, ...descendants(dev.pid!)];
    const sockets = boundSockets(pids);
    const exposed = sockets.filter((s) => s.address !== '127.0.0.1').map((s) => `${s.protocol} ${s.address}:${s.port} of ${commandOf(s.pid)}`);
    expect(exposed).toEqual([]);
    // Not vacuous: every app and proxy was seen listening, and datagrams were sent from somewhere.
    const listening = new Set(sockets.filter((s) => s.protocol === 'tcp').map((s) => s.pid));
    expect(pids.filter((pid) => !listening.has(pid) && /\/(main|proxy-main)\.js/.test(commandOf(pid))).map(commandOf)).toEqual([]);
    expect(sockets.filter((s) => s.protocol === 'udp' && s.pid !== dev.pid).length).toBeGreaterThan(0);
  });
});
