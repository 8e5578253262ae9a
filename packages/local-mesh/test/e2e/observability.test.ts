/**
 * yelb-canary-observability's three signals, end to end: Envoy access logs on the sidecars'
 * stdout, DogStatsD metrics received by the CloudWatch agent stand-in, and X-Ray spans (the trace
 * check of the walkthrough covers those; here the metrics and logs).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresForTests, redisForTests } from '@amw/dev-stack/testing';
import { getWalkthrough } from '@amw/mesh-manifests';
import { startWalkthrough, type Started } from './harness.js';

const postgres = await postgresForTests('localmesh_observability');
const redis = await redisForTests();

describe.runIf(postgres && redis)('observability of yelb-canary-observability', () => {
  let started: Started;
  beforeAll(async () => {
    started = await startWalkthrough(getWalkthrough('yelb-canary-observability'), { postgres: postgres!, redis: redis! }, 'canary');
    const ui = started.run.urls.entries.ui!;
    for (let i = 0; i < 12; i++) await (await fetch(`${ui}/api/hostname`)).text();
  }, 120_000);
  afterAll(async () => {
    if (started) expect(await started.stop(), 'processes left behind').toEqual([]);
    await postgres?.drop();
    await redis?.release();
  }, 60_000);

  it('the sidecars write access logs in Envoy’s default format to stdout', () => {
    const line = started.output.find((l) => l.includes('yelb-ui/envoy |') && l.includes('"GET /api/hostname HTTP/1.1" 200'));
    expect(line).toMatch(
      /\| \[\d{4}-\d\d-\d\dT[\d:.]+Z\] "GET \/api\/hostname HTTP\/1\.1" 200 - 0 \d+ \d+ \d+ "[^"]*" "[^"]*" "[0-9a-f-]{36}" "[^"]+" "127\.0\.0\.1:\d+"$/,
    );
  });

  it('the CloudWatch agent receives each proxy’s request counts per upstream, tagged with the mesh and node', async () => {
    await expect
      .poll(() => started.run.statsdAgent.snapshot('envoy.cluster.upstream_rq').filter((m) => m.tags['appmesh.virtual_node'] === 'yelb-ui_yelb'), {
        timeout: 15_000,
        interval: 500,
      })
      .not.toEqual([]);
    const counts = started.run.statsdAgent
      .snapshot('envoy.cluster.upstream_rq')
      .filter((m) => m.name === 'envoy.cluster.upstream_rq' && m.tags['appmesh.virtual_node'] === 'yelb-ui_yelb' && /yelb-appserver/.test(m.tags['envoy.cluster_name'] ?? ''));
    expect(counts.length).toBeGreaterThan(0);
    expect(counts.every((m) => m.type === 'counter' && m.tags['appmesh.mesh'] === 'yelb' && m.tags['envoy.response_code'] === '200')).toBe(true);
    // Both canary versions answered, so both upstream clusters were counted.
    expect(new Set(counts.map((m) => m.tags['envoy.cluster_name'])).size).toBe(2);
  }, 20_000);
});
