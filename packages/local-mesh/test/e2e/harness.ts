/**
 * Starts walkthroughs for end-to-end tests: real apps, real proxies, real Postgres and Redis,
 * in a state directory of the test's own, and proves afterwards that no process was left behind.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { findRepoRoot } from '@amw/dev-stack';
import { processAlive } from '@amw/dev-stack/supervisor';
import type { TestPostgres, TestRedis } from '@amw/dev-stack/testing';
import type { Walkthrough } from '@amw/mesh-manifests';
import { CheckClient } from '../../src/checks/runner.js';
import { WalkthroughRun } from '../../src/orchestrator/run.js';
import type { LocalTarget } from '../../src/targets/rendered-files.js';

export interface Started {
  run: WalkthroughRun;
  client: CheckClient;
  /** Every output line of every process, as `<process name> | <line>`. */
  output: string[];
  /** Stops everything; resolves the pids of any process the run started that is still alive. */
  stop(): Promise<number[]>;
}

export async function startWalkthrough(
  walkthrough: Walkthrough,
  backing: { postgres?: TestPostgres; redis?: TestRedis },
  step?: string,
  /** A live target's rendered files to run from, and where they are (default: the repository). */
  target?: { name: LocalTarget; renderedRoot?: string },
): Promise<Started> {
  const stateDir = await mkdtemp(join(tmpdir(), 'amw-local-mesh-'));
  const pids = new Set<number>();
  const output: string[] = [];
  const run = await WalkthroughRun.start({
    walkthrough,
    ...(step ? { step } : {}),
    repoRoot: findRepoRoot(),
    stateDir,
    backing: {
      ...(backing.postgres ? { postgres: backing.postgres.url } : {}),
      ...(backing.redis ? { redis: backing.redis.url } : {}),
    },
    databaseName: backing.postgres?.database ?? 'unused',
    redisDb: backing.redis?.db ?? 0,
    ...(target ? { target: target.name, ...(target.renderedRoot ? { renderedRoot: target.renderedRoot } : {}) } : {}),
    onProcessEvent: (event) => {
      if (event.type === 'spawned') pids.add(event.pid);
      if (event.type === 'output') output.push(`${event.name} | ${event.line}`);
      if (event.type === 'exited' && !event.expected) process.stderr.write(`[${walkthrough.name}] ${event.name} exited on its own (code ${event.code})\n`);
    },
  });
  const entryKinds: Record<string, 'load-balancer' | 'exec' | 'envoy-admin'> = Object.fromEntries(walkthrough.entries.map((e) => [e.name, e.kind]));
  // Entries a target run adds (Lattice's client pods) are proxies, like exec entries.
  for (const name of run.clientEntries) entryKinds[name] = 'exec';
  const client = new CheckClient({
    entries: () => run.urls.entries,
    entryKinds,
    trace: async (id) => run.xray.trace(id),
    minSamples: 1000,
  });
  return {
    run,
    client,
    output,
    async stop() {
      client.close();
      await run.stop();
      await rm(stateDir, { recursive: true, force: true });
      return [...pids].filter(processAlive);
    },
  };
}

/**
 * For one describe block: the walkthrough started before its tests (at `step`, else its last one)
 * and stopped after them, with a check that no process was left behind. Read `started` inside
 * tests: the block's beforeAll sets it.
 */
export function useWalkthrough(
  walkthrough: Walkthrough,
  backing: { postgres?: TestPostgres; redis?: TestRedis },
  step?: string,
  target?: { name: LocalTarget; renderedRoot?: string },
): { readonly started: Started } {
  let started: Started | undefined;
  beforeAll(async () => {
    started = await startWalkthrough(walkthrough, backing, step, target);
  }, 180_000);
  afterAll(async () => {
    if (started) expect(await started.stop(), 'processes left behind').toEqual([]);
  }, 60_000);
  return {
    get started() {
      return started!;
    },
  };
}
