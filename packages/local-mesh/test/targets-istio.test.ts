/**
 * The Istio control plane, from the walkthroughs' real rendered files: what each proxy gets, and
 * where a request goes through that configuration (compiled by the proxy's own router). Copies of
 * the files, edited, show the configuration follows the files; files the local mesh cannot honour
 * give one line naming the object, its file and the fix.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { findRepoRoot } from '@amw/dev-stack';
import { getWalkthrough, stateAt, type Walkthrough } from '@amw/mesh-manifests';
import { ResolveError } from '../src/control-plane/resolve.js';
import type { Instance } from '../src/control-plane/world.js';
import type { HttpListenerConfig, ProxyConfig, TcpListenerConfig } from '../src/proxy/config.js';
import { compileRoutes, findVirtualHost, pickWeighted, rewritePath, selectRoute } from '../src/proxy/routing.js';
import { redactSecrets } from '../src/proxy/admin.js';
import { ProxyRuntime } from '../src/proxy/runtime.js';
import { resolveIstio, type IstioResolveOptions } from '../src/targets/istio.js';
import { IstioMeshCa } from '../src/targets/istio-mtls.js';
import { readRenderedTarget } from '../src/targets/rendered-files.js';
import { plannedTargetInstances, TargetWorld } from '../src/targets/target-world.js';
import { CertificateStore } from '../src/tls/cert-store.js';
import { get, upstream } from './helpers/servers.js';

const repoRoot = findRepoRoot();
const POSTGRES = { host: '127.0.0.1', port: 5432 };
const REDIS = { host: '127.0.0.1', port: 6379 };
/** What the App Mesh definition gives the Postgres/Redis clients; the resolver reads only the host. */
const TCP_BACKENDS: Record<string, string[]> = { 'yelb-appserver': ['yelb-db.yelb.svc.cluster.local', 'redis-server.yelb.svc.cluster.local'] };

const WALKTHROUGHS = ['mesh-basics', 'ingress-gateway-eks', 'dj-kong-ingress', 'yelb-canary-observability', 'yelb-multi-account'] as const;

let certDir: string;
let options: IstioResolveOptions;
beforeAll(async () => {
  certDir = await mkdtemp(join(tmpdir(), 'amw-istio-'));
  // One mesh CA for every walkthrough here: the last answer holds every identity issued so far.
  const ca = new IstioMeshCa(join(certDir, 'istio-ca'));
  let mesh;
  for (const name of WALKTHROUGHS) for (const step of getWalkthrough(name).steps) mesh = await ca.certificatesFor(worldAt(name, step.name));
  options = { version: '1', certs: await CertificateStore.prepare([], certDir), xrayDaemon: '127.0.0.1:2000', mesh: mesh! };
});
afterAll(() => rm(certDir, { recursive: true, force: true }));

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** The world a run would build at a step, with made-up local ports (stable for a given file set). */
function worldAt(name: Walkthrough['name'], step: string, root = repoRoot): TargetWorld {
  const walkthrough = getWalkthrough(name);
  const rendered = readRenderedTarget(root, walkthrough, 'istio', step);
  const instances = plannedTargetInstances(walkthrough, 'istio', stateAt(walkthrough, step), rendered, { postgres: POSTGRES, redis: REDIS });
  let next = 30_000;
  const tcp = new Map<Instance, { port: number; host: string }[]>();
  for (const instance of instances) {
    const component = instance.workload.spec.component;
    if (component === 'envoy-gateway' || component === 'kong') for (const p of instance.workload.spec.ports) instance.ports.listeners[p.port] = next++;
    if (instance.identity?.kind === 'VirtualNode') Object.assign(instance.ports, { ingress: next++, egress: next++, admin: next++ });
    if (!['curl', 'envoy-gateway', 'kong', 'postgres', 'redis'].includes(component)) {
      instance.ports.app = next++;
      instance.upstream = { host: '127.0.0.1', port: instance.ports.app };
    }
    tcp.set(instance, (TCP_BACKENDS[instance.workload.metadata.name.replace(/-v\d$/, '')] ?? []).map((host) => ({ port: next++, host })));
  }
  return new TargetWorld('istio', walkthrough, rendered, instances, (i) => tcp.get(i) ?? []);
}

function configOf(world: TargetWorld, workload: string, kind: 'envoy' | 'kong' = 'envoy', cluster?: string): ProxyConfig {
  const configs = resolveIstio(world, options);
  const instance = world.instances.find((i) => i.workload.metadata.name === workload && (cluster === undefined || i.cluster === cluster))!;
  const config = configs.find((c) => c.node.id === `${instance.key}#${kind}`);
  if (!config) throw new Error(`no ${kind} config for ${workload}`);
  return config;
}

const instanceOf = (world: TargetWorld, workload: string) => world.instances.find((i) => i.workload.metadata.name === workload)!;
const ingressOf = (world: TargetWorld, workload: string) => ({ host: '127.0.0.1', port: instanceOf(world, workload).ports.ingress! });

function http(config: ProxyConfig, name: string): HttpListenerConfig {
  const listener = config.listeners.find((l) => l.name === name);
  if (listener?.protocol !== 'http') throw new Error(`no HTTP listener ${name}`);
  return listener;
}

/** The route the proxy's own router picks for a request on a listener, or undefined (404). */
function routeFor(listener: HttpListenerConfig, authority: string, path: string, headers: string[] = []) {
  const table = compileRoutes(listener.virtualHosts);
  const host = findVirtualHost(table, authority);
  if (!host) return undefined;
  return selectRoute(host.routes, { method: 'GET', path, headers, authority, scheme: 'http', ...(listener.meshPort !== undefined ? { port: listener.meshPort } : {}) });
}

function clusterOf(config: ProxyConfig, name: string) {
  const cluster = config.clusters.find((c) => c.name === name);
  if (!cluster) throw new Error(`no cluster ${name} in ${config.clusters.map((c) => c.name).join(', ')}`);
  return cluster;
}

/** Shares of `n` picks by the proxy's weighted choice, with an even spread of random numbers. */
function shares(route: NonNullable<ReturnType<typeof routeFor>>, n = 1000): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const cluster = pickWeighted(route, () => (i + 0.5) / n)!;
    out[cluster] = (out[cluster] ?? 0) + 1;
  }
  return out;
}

describe('every rendered Istio step resolves', () => {
  it.each(WALKTHROUGHS.flatMap((name) => getWalkthrough(name).steps.map((s) => [name, s.name] as const)))('%s at %s', (name, step) => {
    const world = worldAt(name, step);
    const configs = resolveIstio(world, options);
    const proxied = world.instances.filter((i) => i.identity !== undefined).length + world.instances.filter((i) => i.workload.spec.component === 'kong').length;
    expect(configs).toHaveLength(proxied);
    // Every route names a cluster the proxy was given (an undefined subset would be Istio's 503).
    for (const config of configs) {
      const names = new Set(config.clusters.map((c) => c.name));
      for (const listener of config.listeners) {
        const routes = listener.protocol === 'http' ? listener.virtualHosts.flatMap((h) => h.routes) : [];
        for (const cluster of routes.flatMap((r) => r.clusters)) expect(names, `${config.node.id} ${listener.name}`).toContain(cluster.cluster);
      }
    }
  });
});

describe('mesh-basics', () => {
  const SVC_V = 'svc-v.mesh-test.svc.cluster.local';

  it('the gateway sends everything to svc-v, 1:1 between the subsets, through each pod’s sidecar', () => {
    const world = worldAt('mesh-basics', 'mesh');
    const config = configOf(world, 'gateway-v');
    expect(config.node).toMatchObject({ kind: 'gateway', resourceArn: 'gateway-v.mesh-test', mesh: 'cluster.local' });
    const listener = http(config, '0.0.0.0_8088');
    expect(listener.port).toBe(instanceOf(world, 'gateway-v').ports.listeners[8088]);
    expect(listener.unmatched).toBe('not-found');
    const route = routeFor(listener, 'a1b2.elb.amazonaws.com', '/anything')!;
    expect(route.clusters).toEqual([
      { cluster: `outbound|80|vnode-1|${SVC_V}`, weight: 1 },
      { cluster: `outbound|80|vnode-2|${SVC_V}`, weight: 1 },
    ]);
    expect(route.rewrite).toEqual({ hostname: SVC_V });
    expect(route.timeoutMs).toBe(15_000);
    expect(shares(route)).toEqual({ [`outbound|80|vnode-1|${SVC_V}`]: 500, [`outbound|80|vnode-2|${SVC_V}`]: 500 });
    // The gateway's own DestinationRule (workloadSelector) replaces the namespace's: its pool limit.
    expect(clusterOf(config, `outbound|80|vnode-1|${SVC_V}`)).toMatchObject({ name: `outbound|80|vnode-1|${SVC_V}`, endpoints: [ingressOf(world, 'colorteller-1')], maxConnections: 1024 });
    expect(clusterOf(config, `outbound|80|vnode-2|${SVC_V}`).endpoints).toEqual([ingressOf(world, 'colorteller-2')]);
    expect(listener.accessLogPath).toBe('/dev/stdout');
  });

  it('the client’s sidecar answers for svc-v by every DNS name, with the mesh VirtualService and no gateway pool limit', () => {
    const world = worldAt('mesh-basics', 'mesh');
    const config = configOf(world, 'client');
    const egress = http(config, 'virtualOutbound');
    expect(egress.port).toBe(instanceOf(world, 'client').ports.egress);
    expect(egress.statPrefix).toBe('egress');
    expect(egress.unmatched).toBe('passthrough');
    for (const authority of ['svc-v', 'svc-v:80', 'svc-v.mesh-test', 'svc-v.mesh-test.svc', SVC_V, `${SVC_V}:80`]) {
      expect(routeFor(egress, authority, '/')?.name, authority).toBe('route-1');
    }
    const route = routeFor(egress, 'svc-v', '/')!;
    expect(route.clusters.map((c) => c.cluster)).toEqual([`outbound|80|vnode-1|${SVC_V}`, `outbound|80|vnode-2|${SVC_V}`]);
    // No retries in the file: Istio's default, 2 attempts.
    expect(route.retry).toEqual({ maxRetries: 2, perTryTimeoutMs: 0, events: ['connection-error', 'gateway-error'] });
    expect(clusterOf(config, `outbound|80|vnode-1|${SVC_V}`).maxConnections).toBeUndefined();
    // svc-1 has no VirtualService: the whole Service, no timeout.
    const svc1 = routeFor(egress, 'svc-1.mesh-test:80', '/')!;
    expect(svc1).toMatchObject({ name: 'default', timeoutMs: 0, clusters: [{ cluster: 'outbound|80||svc-1.mesh-test.svc.cluster.local', weight: 1 }] });
    expect(clusterOf(config, 'outbound|80||svc-1.mesh-test.svc.cluster.local').endpoints).toEqual([ingressOf(world, 'colorteller-1')]);
    expect(config.passthrough['svc-v:80']).toEqual([ingressOf(world, 'colorteller-1'), ingressOf(world, 'colorteller-2')]);
    // Each colour pod's sidecar delivers to its app.
    const teller = configOf(world, 'colorteller-1');
    const inbound = http(teller, 'virtualInbound');
    expect(routeFor(inbound, 'x', '/')!.clusters).toEqual([{ cluster: 'inbound|80||', weight: 1 }]);
    expect(clusterOf(teller, 'inbound|80||').endpoints).toEqual([instanceOf(world, 'colorteller-1').upstream]);
  });
});

describe('ingress-gateway-eks', () => {
  const color = (c: string) => `outbound|8080||color-${c}.howto-k8s-ingress-gateway.svc.cluster.local`;

  it('the gateway tries the path and header routes in file order', () => {
    const world = worldAt('ingress-gateway-eks', 'mesh');
    const listener = http(configOf(world, 'ingress-gw'), '0.0.0.0_8088');
    const to = (path: string, header?: string) => routeFor(listener, 'lb', path, header === undefined ? [] : ['color_header', header])?.clusters[0]?.cluster;
    expect(to('/headers', 'blue')).toBe(color('blue'));
    expect(to('/headers', 'dark-green-ish')).toBe(color('green'));
    expect(to('/headers', 'reddish')).toBe(color('red'));
    expect(to('/headers', 'purple')).toBe(color('yellow'));
    expect(to('/headers')).toBe(color('white'));
    expect(to('/paths/blue')).toBe(color('blue'));
    expect(to('/pathsred')).toBe(color('red'));
    expect(to('/paths/anything')).toBe(color('white'));
    expect(to('/nowhere')).toBeUndefined();
    const route = routeFor(listener, 'lb', '/headers/x/y', ['color_header', 'blue'])!;
    expect(route.rewrite?.hostname).toBe('color-headers.howto-k8s-ingress-gateway.svc.cluster.local');
    expect(rewritePath('/headers/x/y?z=1', route.rewrite)).toBe('/x/y?z=1');
    expect(rewritePath('/headers', route.rewrite)).toBe('/');
  });

  it('a colour pod’s Sidecar (REGISTRY_ONLY, istio-system only) sees no Service: unknown hosts get 502', () => {
    const config = configOf(worldAt('ingress-gateway-eks', 'mesh'), 'blue');
    const egress = http(config, 'virtualOutbound');
    expect(egress.virtualHosts).toEqual([]);
    expect(egress.unmatched).toBe('blackhole');
    expect(config.passthrough).toEqual({});
  });
});

describe('dj-kong-ingress', () => {
  it('canary: dj sends jazz 95:5 to v1 and v2, and sees only jazz and metal', () => {
    const world = worldAt('dj-kong-ingress', 'canary');
    const config = configOf(world, 'dj');
    const egress = http(config, 'virtualOutbound');
    expect(egress.virtualHosts.map((h) => h.name).sort()).toEqual(['jazz.prod.svc.cluster.local:9080', 'metal.prod.svc.cluster.local:9080']);
    expect(egress.unmatched).toBe('blackhole');
    const route = routeFor(egress, 'jazz.prod.svc.cluster.local:9080', '/')!;
    expect(route.clusters).toEqual([
      { cluster: 'outbound|9080||jazz-v1.prod.svc.cluster.local', weight: 95 },
      { cluster: 'outbound|9080||jazz-v2.prod.svc.cluster.local', weight: 5 },
    ]);
    expect(shares(route)).toEqual({ 'outbound|9080||jazz-v1.prod.svc.cluster.local': 950, 'outbound|9080||jazz-v2.prod.svc.cluster.local': 50 });
    expect(clusterOf(config, 'outbound|9080||jazz-v2.prod.svc.cluster.local').endpoints).toEqual([ingressOf(world, 'jazz-v2')]);
    expect(routeFor(egress, 'jazz-v1.prod.svc.cluster.local:9080', '/')).toBeUndefined();
  });

  it('kong-ingress and key-auth: Kong’s routes, plugins and consumers from the rendered Ingress, through its sidecar', () => {
    const world = worldAt('dj-kong-ingress', 'kong-ingress');
    const kong = configOf(world, 'kong', 'kong');
    const instance = instanceOf(world, 'kong');
    expect(kong.node.kind).toBe('ingress');
    expect(kong.listeners[0]).toMatchObject({ name: 'kong_proxy', port: instance.ports.listeners[80] });
    expect(kong.kong).toEqual({
      upstreamProxy: { host: '127.0.0.1', port: instance.ports.egress },
      consumers: [],
      routes: ['jazz', 'metal'].map((genre) => ({
        name: `prod.djingress.${genre}.9080`,
        paths: [`/dj/${genre}`],
        hosts: [],
        stripPath: true,
        preserveHost: false,
        service: { host: `${genre}.prod.svc.cluster.local`, port: 9080 },
        plugins: [],
      })),
    });
    // Kong's sidecar may reach jazz and metal, with the canary split.
    const egress = http(configOf(world, 'kong'), 'virtualOutbound');
    expect(routeFor(egress, 'jazz.prod.svc.cluster.local:9080', '/')!.clusters.map((c) => c.weight)).toEqual([95, 5]);

    const keyAuth = configOf(worldAt('dj-kong-ingress', 'key-auth'), 'kong', 'kong').kong!;
    expect(keyAuth.consumers).toEqual([{ id: 'prod.consumer1', username: 'consumer1', keys: ['kong-secret'] }]);
    expect(keyAuth.routes[0]!.plugins.map((p) => p.instance)).toEqual(['apikey', 'rl-by-minute']);
  });
});

describe('yelb-canary-observability', () => {
  it('canary: the UI sees only yelb-appserver (2:1 subsets, retries, 10 s), traced and logged', () => {
    const world = worldAt('yelb-canary-observability', 'canary');
    const config = configOf(world, 'yelb-ui');
    const egress = http(config, 'virtualOutbound');
    expect(egress.virtualHosts.map((h) => h.name)).toEqual(['yelb-appserver.yelb.svc.cluster.local:4567']);
    expect(egress.unmatched).toBe('blackhole');
    const route = routeFor(egress, 'yelb-appserver.yelb.svc.cluster.local:4567', '/api/getvotes')!;
    expect(route).toMatchObject({
      timeoutMs: 10_000,
      retry: { maxRetries: 2, perTryTimeoutMs: 2000, events: ['server-error', 'gateway-error', 'connection-error'] },
      clusters: [
        { cluster: 'outbound|4567|yelb-appserver-v1|yelb-appserver.yelb.svc.cluster.local', weight: 2 },
        { cluster: 'outbound|4567|yelb-appserver-v2|yelb-appserver.yelb.svc.cluster.local', weight: 1 },
      ],
    });
    expect(clusterOf(config, 'outbound|4567|yelb-appserver-v2|yelb-appserver.yelb.svc.cluster.local').endpoints).toEqual([ingressOf(world, 'yelb-appserver-v2')]);
    expect(config.tracing).toEqual({ daemonAddress: '127.0.0.1:2000', segmentName: 'yelb-ui.yelb' });
    expect(egress.accessLogPath).toBe('/dev/stdout');
  });

  it('the app server reaches Postgres and Redis over TCP through their pods’ sidecars', () => {
    const world = worldAt('yelb-canary-observability', 'canary');
    const config = configOf(world, 'yelb-appserver-v1');
    const appserver = instanceOf(world, 'yelb-appserver-v1');
    const tcp = config.listeners.filter((l): l is TcpListenerConfig => l.protocol === 'tcp');
    expect(tcp.map((l) => [l.port, l.clusters])).toEqual(
      world.tcpBackends(appserver).map(({ port, host }) => [port, [{ cluster: `outbound|${host.startsWith('yelb-db') ? 5432 : 6379}||${host}`, weight: 1 }]]),
    );
    expect(clusterOf(config, 'outbound|5432||yelb-db.yelb.svc.cluster.local').endpoints).toEqual([ingressOf(world, 'yelb-db')]);
    // The database pod's sidecar: a TCP inbound listener to the backing Postgres.
    const db = configOf(world, 'yelb-db');
    const inbound = db.listeners.find((l) => l.name === 'virtualInbound')!;
    expect(inbound.protocol).toBe('tcp');
    expect(clusterOf(db, 'inbound|5432||').endpoints).toEqual([POSTGRES]);
  });
});

describe('yelb-multi-account', () => {
  it('the frontend UI reaches the backend cluster’s app server: one Service, endpoints merged across clusters', () => {
    const world = worldAt('yelb-multi-account', 'shared-mesh');
    const config = configOf(world, 'yelb-ui', 'envoy', 'frontend');
    expect(config.node.mesh).toBe('yelb-multi-account');
    const egress = http(config, 'virtualOutbound');
    const route = routeFor(egress, 'yelb-appserver:4567', '/api/getvotes')!;
    expect(route.clusters).toEqual([{ cluster: 'outbound|4567||yelb-appserver.yelb.svc.cluster.local', weight: 100 }]);
    expect(route.retry?.events).toEqual(['server-error', 'client-error', 'gateway-error']);
    const backend = world.instances.find((i) => i.cluster === 'backend' && i.workload.metadata.name === 'yelb-appserver')!;
    expect(clusterOf(config, 'outbound|4567||yelb-appserver.yelb.svc.cluster.local').endpoints).toEqual([{ host: '127.0.0.1', port: backend.ports.ingress }]);
  });
});

/** A copy of a walkthrough's Istio files in a temporary repository root, with `edit` applied to one file. */
async function editedCopy(name: string, file: string, edit: (docs: Record<string, unknown>[]) => void): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'amw-istio-files-'));
  cleanups.push(() => rm(root, { recursive: true, force: true }));
  const folder = `k8s/${name}/istio`;
  await cp(join(repoRoot, folder), join(root, folder), { recursive: true });
  const path = join(root, folder, file);
  const docs = parseAllDocuments(await readFile(path, 'utf8')).map((d) => d.toJS() as Record<string, unknown>);
  edit(docs);
  await writeFile(path, docs.map((d) => stringify(d)).join('---\n'));
  return root;
}

type Vs = { metadata: { name: string }; spec: { http: Record<string, unknown>[] } };
const vsNamed = (docs: Record<string, unknown>[], name: string) => docs.find((d) => (d as unknown as Vs).metadata.name === name) as unknown as Vs;

describe('the configuration follows the rendered files', () => {
  it('jazz weights edited from 95/5 to 50/50 split 50/50', async () => {
    const root = await editedCopy('dj-kong-ingress', 'steps/1-canary/virtual-services.yaml', (docs) => {
      for (const entry of vsNamed(docs, 'jazz').spec.http) for (const r of entry.route as { weight: number }[]) r.weight = 50;
    });
    const route = routeFor(http(configOf(worldAt('dj-kong-ingress', 'canary', root), 'dj'), 'virtualOutbound'), 'jazz.prod.svc.cluster.local:9080', '/')!;
    expect(shares(route)).toEqual({ 'outbound|9080||jazz-v1.prod.svc.cluster.local': 500, 'outbound|9080||jazz-v2.prod.svc.cluster.local': 500 });
  });

  it('http entries moved in the file are tried in their new order', async () => {
    const white = 'outbound|8080||color-white.howto-k8s-ingress-gateway.svc.cluster.local';
    const blue = 'outbound|8080||color-blue.howto-k8s-ingress-gateway.svc.cluster.local';
    const before = http(configOf(worldAt('ingress-gateway-eks', 'mesh'), 'ingress-gw'), '0.0.0.0_8088');
    expect(routeFor(before, 'lb', '/paths/blue')!.clusters[0]!.cluster).toBe(blue);
    const root = await editedCopy('ingress-gateway-eks', 'virtual-services.yaml', (docs) => {
      const entries = vsNamed(docs, 'ingress-gw').spec.http;
      entries.unshift(entries.pop()!); // the /paths catch-all (white) first
    });
    const after = http(configOf(worldAt('ingress-gateway-eks', 'mesh', root), 'ingress-gw'), '0.0.0.0_8088');
    expect(routeFor(after, 'lb', '/paths/blue')!.clusters[0]!.cluster).toBe(white);
    expect(routeFor(after, 'lb', '/headers', ['color_header', 'blue'])!.clusters[0]!.cluster).toBe(blue);
  });
});

describe('files the local mesh cannot honour give one clear line', () => {
  it('an unknown match field', async () => {
    const root = await editedCopy('dj-kong-ingress', 'virtual-services.yaml', (docs) => {
      (vsNamed(docs, 'jazz').spec.http[0]!.match as Record<string, unknown>[])[0]!.ignoreUriCase = true;
    });
    const world = worldAt('dj-kong-ingress', 'v1-only', root);
    const error = (() => {
      try {
        resolveIstio(world, options);
      } catch (e) {
        return e as Error;
      }
      throw new Error('resolved');
    })();
    expect(error).toBeInstanceOf(ResolveError);
    expect(error.message).toBe(
      'VirtualService prod/jazz (k8s/dj-kong-ingress/istio/virtual-services.yaml): http match uses ignoreUriCase, which the local mesh does not implement; remove it, or use name, uri, headers, withoutHeaders, method, queryParams, authority, scheme, port, sourceLabels, sourceNamespace, gateways, statPrefix',
    );
    expect(error.message).not.toContain('\n');
  });

  it('a destination naming no Service', async () => {
    const root = await editedCopy('dj-kong-ingress', 'virtual-services.yaml', (docs) => {
      ((vsNamed(docs, 'metal').spec.http[0]!.route as { destination: { host: string } }[])[0]!.destination.host = 'metal-v9.prod.svc.cluster.local');
    });
    expect(() => resolveIstio(worldAt('dj-kong-ingress', 'v1-only', root), options)).toThrow(
      /^VirtualService prod\/metal \(k8s\/dj-kong-ingress\/istio\/virtual-services\.yaml\): a route sends to metal-v9\.prod\.svc\.cluster\.local, which names no Kubernetes Service in the rendered files; add the Service or route to an existing one \(.*\)$/,
    );
  });

  it('fault injection, which is not implemented', async () => {
    const root = await editedCopy('dj-kong-ingress', 'virtual-services.yaml', (docs) => {
      vsNamed(docs, 'jazz').spec.http[0]!.fault = { abort: { httpStatus: 500, percentage: { value: 50 } } };
    });
    expect(() => resolveIstio(worldAt('dj-kong-ingress', 'v1-only', root), options)).toThrow(/VirtualService prod\/jazz \(.*\): http entry jazz-route uses fault, which the local mesh does not implement/);
  });
});

describe('what the proxy gained for Istio', () => {
  it('answers 502 for a host outside the registry (REGISTRY_ONLY) and rewrites paths by regex', async () => {
    const app = await upstream((req, res) => res.end(`path=${req.url} host=${req.headers.host}`));
    cleanups.push(() => app.close());
    const runtime = new ProxyRuntime();
    cleanups.push(() => runtime.close());
    await runtime.apply({
      version: '1',
      node: { id: 'n', resourceArn: 'client.ns', mesh: 'cluster.local', kind: 'sidecar', cluster: 'main' },
      listeners: [
        {
          name: 'virtualOutbound',
          protocol: 'http',
          host: '127.0.0.1',
          port: 0,
          statAddress: '0.0.0.0_15001',
          statPrefix: 'egress',
          unmatched: 'blackhole',
          virtualHosts: [
            {
              name: 'svc',
              domains: ['svc'],
              routes: [{ name: 'r', match: { prefix: '/' }, clusters: [{ cluster: 'c', weight: 1 }], timeoutMs: 0, rewrite: { regex: { pattern: '^/headers/?(.*)$', substitution: '/$1' }, hostname: 'other' } }],
            },
          ],
        },
      ],
      clusters: [{ name: 'c', endpoints: [{ host: '127.0.0.1', port: app.port }] }],
      passthrough: {},
    });
    const port = runtime.listenerPorts().virtualOutbound!;
    expect(await get(port, '/headers/blue?x=1', { headers: { host: 'svc' } })).toMatchObject({ status: 200, body: 'path=/blue?x=1 host=other' });
    expect((await get(port, '/', { headers: { host: 'unknown.example.com' } })).status).toBe(502);
  });
});

describe('mutual TLS between the proxies', () => {
  const SVC_V = 'svc-v.mesh-test.svc.cluster.local';
  const spiffe = (ns: string, sa: string, domain = 'cluster.local') => `spiffe://${domain}/ns/${ns}/sa/${sa}`;
  /** The leaf of a PEM chain, parsed by Node itself (X509Certificate reads the first certificate). */
  const leaf = (chain: string | undefined) => new X509Certificate(chain!);
  const root = () => new X509Certificate(options.mesh.rootCa);

  it('a sidecar’s inbound is PERMISSIVE (Istio’s default and the files’) with its pod’s SPIFFE certificate, and asks callers for theirs', () => {
    const world = worldAt('mesh-basics', 'mesh');
    const tls = http(configOf(world, 'colorteller-1'), 'virtualInbound').tls!;
    expect(tls.mode).toBe('PERMISSIVE');
    expect(tls.trustedCa).toBe(options.mesh.rootCa);
    const cert = leaf(tls.certificateChain);
    expect(cert.subjectAltName).toBe(`URI:${spiffe('mesh-test', 'colorteller-1')}`);
    expect(cert.verify(root().publicKey)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(tls.privateKey))).toBe(true);
    // The service account is the Deployment's, recorded on the workload.
    expect(instanceOf(world, 'colorteller-1').workload.spec.serviceAccountName).toBe('colorteller-1');
    // The database pod's TCP inbound too.
    const db = configOf(worldAt('yelb-canary-observability', 'canary'), 'yelb-db');
    const dbTls = db.listeners.find((l) => l.name === 'virtualInbound')!.tls!;
    expect(dbTls.mode).toBe('PERMISSIVE');
    expect(leaf(dbTls.certificateChain).subjectAltName).toBe(`URI:${spiffe('yelb', 'yelb-db')}`);
  });

  it('outbound clusters to injected pods originate mutual TLS with the caller’s certificate, expecting the destination’s service accounts', async () => {
    const world = worldAt('mesh-basics', 'mesh');
    // The ingress gateway pod is in the mesh: its own identity, and each subset's pods' identity.
    const gateway = configOf(world, 'gateway-v');
    const toV1 = clusterOf(gateway, `outbound|80|vnode-1|${SVC_V}`).tls!;
    expect(toV1.subjectAlternativeNames).toEqual([spiffe('mesh-test', 'colorteller-1')]);
    expect(toV1.trustedCa).toBe(options.mesh.rootCa);
    expect(leaf(toV1.certificateChain).subjectAltName).toBe(`URI:${spiffe('mesh-test', 'gateway-v')}`);
    expect(clusterOf(gateway, `outbound|80|vnode-2|${SVC_V}`).tls!.subjectAlternativeNames).toEqual([spiffe('mesh-test', 'colorteller-2')]);
    // A client sidecar's cluster over a whole Service (no VirtualService).
    const client = configOf(world, 'client');
    const whole = clusterOf(client, `outbound|80||svc-1.mesh-test.svc.cluster.local`).tls!;
    expect(whole.subjectAlternativeNames).toEqual([spiffe('mesh-test', 'colorteller-1')]);
    expect(leaf(whole.certificateChain).subjectAltName).toBe(`URI:${spiffe('mesh-test', 'client')}`);
    // TCP: Postgres and Redis through their pods' sidecars.
    const appserver = configOf(worldAt('yelb-canary-observability', 'canary'), 'yelb-appserver-v1');
    expect(clusterOf(appserver, 'outbound|5432||yelb-db.yelb.svc.cluster.local').tls!.subjectAlternativeNames).toEqual([spiffe('yelb', 'yelb-db')]);
    expect(clusterOf(appserver, 'outbound|6379||redis-server.yelb.svc.cluster.local').tls!.subjectAlternativeNames).toEqual([spiffe('yelb', 'redis-server')]);
    // Across yelb-multi-account's clusters: one root, so the frontend trusts the backend's pods.
    const ui = configOf(worldAt('yelb-multi-account', 'shared-mesh'), 'yelb-ui', 'envoy', 'frontend');
    const cross = clusterOf(ui, 'outbound|4567||yelb-appserver.yelb.svc.cluster.local').tls!;
    expect(cross.subjectAlternativeNames).toEqual([spiffe('yelb', 'yelb-appserver')]);
    expect(cross.trustedCa).toBe(options.mesh.rootCa);
    // Config dumps show none of it: the keys are redacted wherever they sit.
    expect(JSON.stringify(redactSecrets(client))).not.toMatch(/PRIVATE KEY/);
    // A subset edited to pick both colour pods expects either pod's account.
    const both = await editedCopy('mesh-basics', 'destination-rules.yaml', (docs) => {
      const spec = docs.find((d) => (d as unknown as Vs).metadata.name === 'svc-v')!.spec as { subsets: { labels: Record<string, string> }[] };
      spec.subsets[0]!.labels = { app: 'colorteller' };
    });
    const merged = clusterOf(configOf(worldAt('mesh-basics', 'mesh', both), 'client'), `outbound|80|vnode-1|${SVC_V}`);
    expect(merged.endpoints).toHaveLength(2);
    expect(merged.tls!.subjectAlternativeNames).toEqual([spiffe('mesh-test', 'colorteller-1'), spiffe('mesh-test', 'colorteller-2')]);
  });

  it('a DestinationRule with tls DISABLE gives plain text; SIMPLE is refused in one line', async () => {
    const root = await editedCopy('mesh-basics', 'destination-rules.yaml', (docs) => {
      const spec = docs.find((d) => (d as unknown as Vs).metadata.name === 'svc-v')!.spec as Record<string, unknown>;
      spec.trafficPolicy = { tls: { mode: 'DISABLE' } };
    });
    const world = worldAt('mesh-basics', 'mesh', root);
    expect(clusterOf(configOf(world, 'client'), `outbound|80|vnode-1|${SVC_V}`).tls).toBeUndefined();
    // The gateway's own rule (workloadSelector) says nothing of TLS: auto mTLS still.
    expect(clusterOf(configOf(world, 'gateway-v'), `outbound|80|vnode-1|${SVC_V}`).tls).toBeDefined();

    const simple = await editedCopy('mesh-basics', 'destination-rules.yaml', (docs) => {
      (docs.find((d) => (d as unknown as Vs).metadata.name === 'svc-v')!.spec as Record<string, unknown>).trafficPolicy = { tls: { mode: 'SIMPLE' } };
    });
    expect(() => resolveIstio(worldAt('mesh-basics', 'mesh', simple), options)).toThrow(
      /^DestinationRule mesh-test\/svc-v \(k8s\/mesh-basics\/istio\/destination-rules\.yaml\): trafficPolicy\.tls mode SIMPLE originates TLS with certificates from files the local mesh does not have; use ISTIO_MUTUAL or DISABLE \(or remove tls\)$/,
    );
  });

  it('a STRICT PeerAuthentication gives STRICT; a port-level DISABLE of the workload’s own policy wins on that port', async () => {
    const root = await editedCopy('mesh-basics', 'peer-authentications.yaml', (docs) => {
      (docs[0]!.spec as { mtls: { mode: string } }).mtls.mode = 'STRICT';
      docs.push({
        apiVersion: 'security.istio.io/v1',
        kind: 'PeerAuthentication',
        metadata: { name: 'colorteller-2', namespace: 'mesh-test' },
        spec: { selector: { matchLabels: { vnode: 'vnode-2' } }, portLevelMtls: { 80: { mode: 'DISABLE' } } },
      });
    });
    const world = worldAt('mesh-basics', 'mesh', root);
    expect(http(configOf(world, 'colorteller-1'), 'virtualInbound').tls?.mode).toBe('STRICT');
    expect(http(configOf(world, 'colorteller-2'), 'virtualInbound').tls).toBeUndefined();
    // Callers still originate mutual TLS: the namespace does not DISABLE it.
    expect(clusterOf(configOf(world, 'client'), `outbound|80|vnode-2|${SVC_V}`).tls).toBeDefined();
  });

  it('a namespace that DISABLEs mutual TLS gets plain text from auto mTLS', async () => {
    const root = await editedCopy('mesh-basics', 'peer-authentications.yaml', (docs) => {
      (docs[0]!.spec as { mtls: { mode: string } }).mtls.mode = 'DISABLE';
    });
    const world = worldAt('mesh-basics', 'mesh', root);
    expect(http(configOf(world, 'colorteller-1'), 'virtualInbound').tls).toBeUndefined();
    expect(clusterOf(configOf(world, 'client'), `outbound|80|vnode-1|${SVC_V}`).tls).toBeUndefined();
  });

  it('an unknown PeerAuthentication mode gives one line naming the object and its file', async () => {
    const root = await editedCopy('mesh-basics', 'peer-authentications.yaml', (docs) => {
      (docs[0]!.spec as { mtls: { mode: string } }).mtls.mode = 'STRICTER';
    });
    expect(() => resolveIstio(worldAt('mesh-basics', 'mesh', root), options)).toThrow(
      /^PeerAuthentication mesh-test\/default \(k8s\/mesh-basics\/istio\/peer-authentications\.yaml\): mtls mode "STRICTER" is not a PeerAuthentication mode the local mesh knows; use UNSET, DISABLE, PERMISSIVE, STRICT$/,
    );
  });

  it('meshConfig.trustDomain names the identities', async () => {
    const root = await editedCopy('mesh-basics', 'istiod-values.yaml', (docs) => {
      (docs[0]!.meshConfig as Record<string, unknown>).trustDomain = 'example.org';
    });
    const world = worldAt('mesh-basics', 'mesh', root);
    const ca = new IstioMeshCa(join(certDir, 'istio-ca'));
    const mesh = await ca.certificatesFor(world);
    const client = resolveIstio(world, { ...options, mesh }).find((c) => c.node.id.includes('/client/'))!;
    const tls = clusterOf(client, `outbound|80|vnode-1|${SVC_V}`).tls!;
    expect(tls.subjectAlternativeNames).toEqual([spiffe('mesh-test', 'colorteller-1', 'example.org')]);
    expect(leaf(tls.certificateChain).subjectAltName).toBe(`URI:${spiffe('mesh-test', 'client', 'example.org')}`);
    // The root is the one kept in the run's folder: the same as before.
    expect(mesh.rootCa).toBe(options.mesh.rootCa);
  });
});

describe('mutual TLS through real proxies', () => {
  it('a client sidecar’s cluster completes the handshake with a STRICT inbound, whose listener refuses plain text and a wrong identity', async () => {
    const root = await editedCopy('mesh-basics', 'peer-authentications.yaml', (docs) => {
      (docs[0]!.spec as { mtls: { mode: string } }).mtls.mode = 'STRICT';
    });
    const world = worldAt('mesh-basics', 'mesh', root);
    const SVC_1 = 'outbound|80||svc-1.mesh-test.svc.cluster.local';
    const app = await upstream((_req, res) => res.end('from colorteller-1'));
    cleanups.push(() => app.close());
    // colorteller-1's sidecar, as resolved, with its app and listener on free ports.
    const teller = configOf(world, 'colorteller-1');
    const inbound = { ...http(teller, 'virtualInbound'), port: 0 };
    const server = new ProxyRuntime();
    cleanups.push(() => server.close());
    await server.apply({ ...teller, listeners: [inbound], clusters: [{ ...clusterOf(teller, 'inbound|80||'), endpoints: [{ host: '127.0.0.1', port: app.port }] }] });
    const serverPort = server.listenerPorts().virtualInbound!;
    // The client's sidecar, its svc-1 cluster pointed at that listener.
    const client = configOf(world, 'client');
    const toTeller = (tls = clusterOf(client, SVC_1).tls) => ({ ...clusterOf(client, SVC_1), endpoints: [{ host: '127.0.0.1', port: serverPort }], ...(tls ? { tls } : {}) });
    const egress = { ...http(client, 'virtualOutbound'), port: 0 };
    const proxy = new ProxyRuntime();
    cleanups.push(() => proxy.close());
    await proxy.apply({ ...client, listeners: [egress], clusters: [toTeller()], passthrough: {} });
    const port = proxy.listenerPorts().virtualOutbound!;
    expect(await get(port, '/', { headers: { host: 'svc-1.mesh-test' } })).toMatchObject({ status: 200, body: 'from colorteller-1' });
    expect(proxy.stats.counter(`cluster.${SVC_1}.ssl.handshake`)).toBe(1);
    expect(server.stats.counter('listener.0.0.0.0_15006.ssl.handshake')).toBe(1);
    // Plain text straight to the STRICT inbound: closed, no HTTP answer.
    await expect(get(serverPort, '/')).rejects.toThrow();
    // A caller expecting another identity does not accept colorteller-1's certificate.
    const wrong = { ...clusterOf(client, SVC_1).tls!, subjectAlternativeNames: ['spiffe://cluster.local/ns/mesh-test/sa/colorteller-2'] };
    await proxy.apply({ ...client, version: '2', listeners: [egress], clusters: [toTeller(wrong)], passthrough: {} });
    expect((await get(port, '/', { headers: { host: 'svc-1.mesh-test' } })).status).toBe(503);
    expect(proxy.stats.counter(`cluster.${SVC_1}.ssl.connection_error`)).toBeGreaterThan(0);
  });
});
