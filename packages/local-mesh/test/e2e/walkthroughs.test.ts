/**
 * Every check of every walkthrough, step by step, through the real proxies: what a learner runs
 * against `pnpm walkthrough up <name>`, with 1,000 requests (at least) for each weighted split.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { postgresForTests, redisForTests } from '@amw/dev-stack/testing';
import { checksAt, walkthroughs } from '@amw/mesh-manifests';
import { useWalkthrough } from './harness.js';

const postgres = await postgresForTests('localmesh_e2e');
const redis = await redisForTests();

afterAll(async () => {
  await postgres?.drop();
  await redis?.release();
});

describe.runIf(postgres && redis).each(walkthroughs.map((w) => [w.name, w] as const))('%s', (_name, walkthrough) => {
  const run = useWalkthrough(walkthrough, { postgres: postgres!, redis: redis! }, walkthrough.steps[0]!.name);

  for (const [index, step] of walkthrough.steps.entries()) {
    const checks = checksAt(walkthrough, step.name);
    it(`step ${step.name}: ${checks.length ? checks.map((c) => c.name).join(', ') : 'no checks'}`, async () => {
      if (index > 0) await run.started.run.applyStep(step.name);
      expect(run.started.run.step).toBe(step.name);
      for (const check of checks) {
        const outcome = await run.started.client.run(check);
        expect(outcome.ok, `${check.name} (${check.title}):\n  ${outcome.lines.join('\n  ')}`).toBe(true);
      }
    }, 180_000);
  }
});
