/**
 * Cloud Map discovery by namespace, service and attributes: two appserver versions register in
 * the same Cloud Map service, and each virtual node reaches only the instances whose attributes
 * it names — so a router can split between them although they share one service.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresForTests, redisForTests } from '@amw/dev-stack/testing';
import { getWalkthrough, virtualNode, weightedTargets, type Resource, type VirtualRouter, type Walkthrough, type Workload } from '@amw/mesh-manifests';
import { startWalkthrough, type Started } from './harness.js';

const postgres = await postgresForTests('localmesh_cloudmap');
const redis = await redisForTests();

const original = getWalkthrough('yelb-multi-account');

function routerWith(router: VirtualRouter, weights: Record<string, number>): VirtualRouter {
  const route = router.spec.routes![0]!;
  return { ...router, spec: { ...router.spec, routes: [{ ...route, httpRoute: { ...route.httpRoute!, action: { weightedTargets: weightedTargets(weights) } } }] } };
}

/**
 * yelb-multi-account with a second appserver (v2) registered in the same Cloud Map service, and
 * two steps: the router sends everything to v1, then everything to v2.
 */
function withVersions(): Walkthrough {
  let router: VirtualRouter | undefined;
  const backend = original.clusters.find((c) => c.name === 'backend')!;
  const resources: Resource[] = [];
  for (const resource of backend.resources) {
    if (resource.kind === 'Workload' && resource.metadata.name === 'yelb-appserver') {
      const base: Workload = resource;
      for (const version of ['v1', 'v2'] as const) {
        resources.push({
          ...base,
          metadata: { ...base.metadata, name: `yelb-appserver-${version}` },
          spec: { ...base.spec, podLabels: { ...base.spec.podLabels, version }, env: { ...base.spec.env, APP_VERSION: version } },
        });
      }
    } else if (resource.kind === 'VirtualNode' && resource.metadata.name === 'yelb-appserver') {
      const sd = resource.spec.serviceDiscovery!.awsCloudMap!;
      for (const version of ['v1', 'v2']) {
        resources.push(
          virtualNode(resource.metadata.namespace, `yelb-appserver-${version}`, {
            ...resource.spec,
            podSelector: { matchLabels: { app: 'yelb-appserver', version } },
            serviceDiscovery: { awsCloudMap: { ...sd, attributes: [{ key: 'version', value: version }] } },
          }),
        );
      }
    } else if (resource.kind === 'VirtualRouter' && resource.metadata.name === 'yelb-appserver') {
      router = resource;
      resources.push(routerWith(resource, { 'yelb-appserver-v1': 1, 'yelb-appserver-v2': 0 }));
    } else {
      resources.push(resource);
    }
  }
  return {
    ...original,
    clusters: original.clusters.map((c) => (c.name === 'backend' ? { ...c, resources } : c)),
    steps: [
      { name: 'to-v1', title: 'all to v1', summary: 'all to v1', changes: [] },
      {
        name: 'to-v2',
        title: 'all to v2',
        summary: 'all to v2',
        changes: [{ op: 'put', cluster: 'backend', resource: routerWith(router!, { 'yelb-appserver-v1': 0, 'yelb-appserver-v2': 1 }) }],
      },
    ],
  };
}

async function hostnames(ui: string, n = 20): Promise<string[]> {
  const answers = new Set<string>();
  for (let i = 0; i < n; i++) answers.add(await (await fetch(`${ui}/api/hostname`)).text());
  return [...answers];
}

describe.runIf(postgres && redis)('Cloud Map discovery by attributes', () => {
  let started: Started;
  beforeAll(async () => {
    started = await startWalkthrough(withVersions(), { postgres: postgres!, redis: redis! }, 'to-v1');
  }, 120_000);
  afterAll(async () => {
    if (started) expect(await started.stop(), 'processes left behind').toEqual([]);
    await postgres?.drop();
    await redis?.release();
  }, 60_000);

  it('registers both versions in one service, with their pod labels as attributes', () => {
    const services = started.run.cloudMap.snapshot().filter((s) => s.namespace === 'am-multi-account.local' && s.service === 'yelb-appserver');
    expect(services).toHaveLength(1);
    const versions = services[0]!.instances.map((i) => i.attributes.version).sort();
    expect(versions).toEqual(['v1', 'v2']);
    expect(services[0]!.instances.every((i) => i.healthStatus === 'HEALTHY' && /^\d+$/.test(i.attributes.AWS_INSTANCE_PORT!))).toBe(true);
  });

  it('the node that names version=v1 reaches only v1, although v2 is in the same service', async () => {
    const v1 = started.run.instanceList().find((i) => i.workload.metadata.name === 'yelb-appserver-v1')!;
    expect(await hostnames(started.run.urls.entries.ui!)).toEqual([v1.podName]);
  });

  it('the node that names version=v2 reaches only v2, once the router sends to it', async () => {
    await started.run.applyStep('to-v2');
    expect(await hostnames(started.run.urls.entries.ui!)).toEqual(['ApplicationVersion2']);
  });
});
