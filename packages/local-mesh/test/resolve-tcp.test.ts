/**
 * How the control plane resolves a TCP virtual router: every weighted target and the route's idle
 * timeout reach the client's TCP listener, and a second TCP route, which Envoy's TCP proxy would
 * never use, is refused with a message instead of being dropped.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  mesh,
  meshNamespace,
  seconds,
  virtualNode,
  virtualRouter,
  virtualService,
  weightedTargets,
  workload,
  type Resource,
  type Route as RouteSpec,
  type Walkthrough,
} from '@amw/mesh-manifests';
import { CloudMapRegistry } from '../src/control-plane/cloud-map.js';
import { ResolveError, Resolver } from '../src/control-plane/resolve.js';
import { MeshWorld, virtualServiceKey, type Instance } from '../src/control-plane/world.js';
import type { TcpListenerConfig } from '../src/proxy/config.js';
import { CertificateStore } from '../src/tls/cert-store.js';

const NS = 'tcp';
const MESH = 'tcp-mesh';

const dbNode = (name: string) =>
  virtualNode(NS, name, {
    podSelector: { matchLabels: { app: name } },
    listeners: [{ portMapping: { port: 5432, protocol: 'tcp' } }],
    serviceDiscovery: { dns: { hostname: `${name}.${NS}.svc.cluster.local` } },
  });

function fixture(routes: RouteSpec[]): Walkthrough {
  const resources: Resource[] = [
    mesh(MESH, { namespaceSelector: { matchLabels: { mesh: MESH } } }),
    meshNamespace(NS, MESH),
    dbNode('db-a'),
    dbNode('db-b'),
    virtualRouter(NS, 'db-router', { listeners: [{ portMapping: { port: 5432, protocol: 'tcp' } }], routes }),
    virtualService(NS, 'db', { awsName: `db.${NS}.svc.cluster.local`, provider: { virtualRouter: { virtualRouterRef: { name: 'db-router' } } } }),
    workload(NS, 'client', { component: 'curl', replicas: 1, podLabels: { app: 'client' }, ports: [], command: ['sleep', 'infinity'] }),
    virtualNode(NS, 'client', { podSelector: { matchLabels: { app: 'client' } }, backends: [{ virtualService: { virtualServiceRef: { name: 'db' } } }] }),
  ];
  return {
    // A fixture of this test only; the type knows the six walkthroughs' names.
    name: 'tcp' as Walkthrough['name'],
    title: 'TCP routes',
    source: { title: 'a fixture of this test suite, following no original', site: 'this repository' },
    teaches: [],
    platform: 'eks',
    region: 'us-west-2',
    accounts: [{ name: 'main', title: 'test', exampleId: '111122223333' }],
    clusters: [{ name: 'main', title: 'test cluster', clusterName: 'tcp', account: 'main', resources }],
    steps: [{ name: 'all', title: 'everything', summary: 'everything', changes: [] }],
    entries: [],
    checks: [],
    corrections: [],
  };
}

let certDir: string;
let certs: CertificateStore;
beforeAll(async () => {
  certDir = await mkdtemp(join(tmpdir(), 'amw-resolve-tcp-'));
  certs = await CertificateStore.prepare([], certDir);
});
afterAll(() => rm(certDir, { recursive: true, force: true }));

/** The client pod's proxy configuration, as the control plane would stream it. */
function resolveClient(routes: RouteSpec[]) {
  const walkthrough = fixture(routes);
  const clusters = walkthrough.clusters.map((c) => ({ ...c, resources: [...c.resources] }));
  const client: Instance = {
    key: 'main/tcp/client/0',
    cluster: 'main',
    namespace: NS,
    workload: clusters[0]!.resources.find((r) => r.kind === 'Workload')! as Instance['workload'],
    replica: 0,
    podName: 'client-0',
    identity: { kind: 'VirtualNode', name: 'client', namespace: NS },
    ports: { egress: 15001, admin: 9901, tcpEgress: {}, listeners: {} },
  };
  const world = new MeshWorld(walkthrough, clusters, [client], new CloudMapRegistry());
  const db = world.all('VirtualService').find((vs) => vs.object.metadata.name === 'db')!;
  client.ports.tcpEgress[virtualServiceKey(db)] = 15432;
  const [config] = new Resolver(world, { version: '1', certs }).all();
  return config!;
}

const tcpRoute = (name: string, weights: Record<string, number>, extra: Record<string, unknown> = {}): RouteSpec =>
  ({ name, tcpRoute: { action: { weightedTargets: weightedTargets(weights) }, ...extra } }) as RouteSpec;

describe('a TCP virtual router', () => {
  it('gives the client every weighted target and the route’s idle timeout', () => {
    const config = resolveClient([tcpRoute('db-route', { 'db-a': 3, 'db-b': 1 }, { timeout: { idle: seconds(30) } })]);
    const listener = config.listeners.find((l): l is TcpListenerConfig => l.protocol === 'tcp')!;
    expect(listener.port).toBe(15432);
    expect(listener.clusters.map((c) => c.weight)).toEqual([3, 1]);
    expect(listener.clusters.map((c) => c.cluster)).toEqual([expect.stringContaining('db-a'), expect.stringContaining('db-b')]);
    expect(listener.idleTimeoutMs).toBe(30_000);
  });

  it('is refused with a message when it has a second TCP route, which would never be used', () => {
    expect(() => resolveClient([tcpRoute('first', { 'db-a': 1 }), tcpRoute('second', { 'db-b': 1 })])).toThrow(ResolveError);
    expect(() => resolveClient([tcpRoute('first', { 'db-a': 1 }), tcpRoute('second', { 'db-b': 1 })])).toThrow(
      /VirtualRouter db-router_tcp has more than one TCP route \(second\).*merge their targets into one route/,
    );
  });
});
