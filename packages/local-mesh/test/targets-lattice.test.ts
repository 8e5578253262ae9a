/**
 * The Lattice control plane, from the walkthroughs' real rendered files (k8s/<walkthrough>/lattice):
 * which Lattice services each pod's VPC reaches, the rules in file order with Lattice's match
 * semantics, weighted target groups, auth by the caller's account, the cluster's own Services by
 * kube-proxy and TCP, and the one-line refusals of what the controller would reject. Edits to
 * temporary copies of the files show the configuration follows the files, not the App Mesh model.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stateAt, walkthroughs, type Walkthrough } from '@amw/mesh-manifests';
import { ResolveError } from '../src/control-plane/resolve.js';
import type { Instance } from '../src/control-plane/world.js';
import type { HttpListenerConfig, ProxyConfig, TcpListenerConfig } from '../src/proxy/config.js';
import { compileRoutes, findVirtualHost, selectRoute, type CompiledRoute, type VirtualHost } from '../src/proxy/routing.js';
import { resolveLattice } from '../src/targets/lattice.js';
import { readRenderedTarget } from '../src/targets/rendered-files.js';
import { plannedTargetInstances, TargetWorld } from '../src/targets/target-world.js';
import { CertificateStore } from '../src/tls/cert-store.js';
import { startProxy } from './helpers/proxy.js';
import { get } from './helpers/servers.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const BACKING = { postgres: { host: '127.0.0.1', port: 5432 }, redis: { host: '127.0.0.1', port: 6379 } };

let scratch: string;
let certs: CertificateStore;
beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'amw-lattice-'));
  certs = await CertificateStore.prepare([], join(scratch, 'certs'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const walkthrough = (name: string): Walkthrough => walkthroughs.find((w) => w.name === name)!;

interface Built {
  world: TargetWorld;
  configs: ProxyConfig[];
  pod(workload: string, cluster?: string): Instance;
  config(workload: string, cluster?: string): ProxyConfig;
}

/** The world at a step, with ports as the orchestrator would give them, and its proxies' configuration. */
function build(name: string, step: string, root = repoRoot, tcp: Record<string, string[]> = {}): Built {
  const w = walkthrough(name);
  const rendered = readRenderedTarget(root, w, 'lattice', step);
  const instances = plannedTargetInstances(w, 'lattice', stateAt(w, step), rendered, BACKING);
  let next = 30_000;
  const tcpPorts = new Map<Instance, { port: number; host: string }[]>();
  for (const i of instances) {
    i.ports.ingress = next++;
    i.ports.egress = next++;
    i.ports.admin = next++;
    i.upstream ??= { host: '127.0.0.1', port: next++ };
    if (i.workload.spec.component === 'kong') i.ports.listeners = { 80: next++ };
    tcpPorts.set(i, (tcp[i.workload.metadata.name] ?? []).map((host) => ({ port: next++, host })));
  }
  const world = new TargetWorld('lattice', w, rendered, instances, (i) => tcpPorts.get(i) ?? []);
  const configs = resolveLattice(world, { version: '1', certs, repoRoot: root });
  const pod = (workload: string, cluster?: string) => instances.find((i) => i.workload.metadata.name === workload && (cluster === undefined || i.cluster === cluster))!;
  const config = (workload: string, cluster?: string) => configs.find((c) => c.node.id === `${pod(workload, cluster).key}#envoy`)!;
  return { world, configs, pod, config };
}

function egress(config: ProxyConfig): HttpListenerConfig {
  return config.listeners.find((l): l is HttpListenerConfig => l.name === 'lds_egress_0.0.0.0_15001')!;
}

/** The route the pod's egress takes for a request, as the proxy matches it. */
function routeOf(config: ProxyConfig, authority: string, path = '/', headers: string[] = [], method = 'GET'): CompiledRoute | undefined {
  const table = compileRoutes(egress(config).virtualHosts);
  const host = findVirtualHost(table, authority);
  return host && selectRoute(host.routes, { method, path, headers, authority, scheme: 'http' });
}

/** Where a route's clusters send, by pod name. */
function endpointsOf(config: ProxyConfig, cluster: string): string[] {
  return config.clusters.find((c) => c.name === cluster)!.endpoints.map((e) => e.id ?? `${e.host}:${e.port}`);
}

/** A temporary copy of a walkthrough's Lattice files, edited. */
function editedCopy(name: string, edits: Record<string, (text: string) => string>): string {
  const root = mkdtempSync(join(scratch, `${name}-`));
  cpSync(join(repoRoot, 'k8s', name, 'lattice'), join(root, 'k8s', name, 'lattice'), { recursive: true });
  for (const [file, edit] of Object.entries(edits)) {
    const path = join(root, 'k8s', name, 'lattice', file);
    const before = readFileSync(path, 'utf8');
    const after = edit(before);
    expect(after, `the edit of ${file} changes it`).not.toBe(before);
    writeFileSync(path, after);
  }
  return root;
}

function resolveError(run: () => unknown): ResolveError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ResolveError);
    return error as ResolveError;
  }
  throw new Error('expected a ResolveError');
}

describe('mesh-basics on Lattice', () => {
  const built = build('mesh-basics', 'mesh');
  const client = built.config('client');

  it('gives every pod a proxy whose ingress is the pod IP, straight to the app', () => {
    expect(built.configs.map((c) => c.node.id).sort()).toEqual(
      ['client', 'colorteller-1', 'colorteller-2'].map((w) => `${built.pod(w).key}#envoy`).sort(),
    );
    const teller = built.config('colorteller-1');
    const ingress = teller.listeners.find((l) => l.name === 'lds_ingress_0.0.0.0_15000') as HttpListenerConfig;
    expect(ingress.port).toBe(built.pod('colorteller-1').ports.ingress);
    const [cluster] = ingress.virtualHosts[0]!.routes[0]!.clusters;
    expect(teller.clusters.find((c) => c.name === cluster!.cluster)!.endpoints).toEqual([built.pod('colorteller-1').upstream]);
  });

  it('sends svc-v’s Lattice name 1:1 to the svc-1 and svc-2 target groups (the colorteller pods)', () => {
    const vh = egress(client).virtualHosts.find((v) => v.name === 'mesh-test-svc-v')!;
    expect(vh.domains).toEqual(['svc-v.mesh-test.mesh-basics.internal:80', 'svc-v.mesh-test.mesh-basics.internal']);
    const route = routeOf(client, 'svc-v.mesh-test.mesh-basics.internal', '/color')!;
    expect(route.clusters.map((c) => c.weight)).toEqual([1, 1]);
    expect(route.timeoutMs).toBe(0);
    expect(route.clusters.map((c) => endpointsOf(client, c.cluster))).toEqual([[built.pod('colorteller-1').podName], [built.pod('colorteller-2').podName]]);
    // The TargetGroupPolicy turns Lattice's default health check off, as the file says.
    expect(client.clusters.find((c) => c.name === route.clusters[0]!.cluster)!.healthCheck).toBeUndefined();
  });

  it('reaches the cluster’s own Services by kube-proxy and answers 502 for names that do not resolve', () => {
    const byService = routeOf(client, 'svc-v.mesh-test.svc.cluster.local')!;
    expect(endpointsOf(client, byService.clusters[0]!.cluster).sort()).toEqual([built.pod('colorteller-1').podName, built.pod('colorteller-2').podName].sort());
    expect(routeOf(client, 'svc-1:80')!.clusters[0]!.cluster).toBe('k8s_main_mesh-test_svc-1');
    const nowhere = routeOf(client, 'svc-v.mesh-test.example.com')!;
    expect(nowhere.deny).toMatchObject({ status: 502, flag: 'DF' });
    expect(nowhere.deny!.body).toContain('does not resolve');
  });

  it('follows an IAMAuthPolicy edit: a caller whose VPC account it does not admit gets Lattice’s 403', () => {
    const root = editedCopy('mesh-basics', { 'auth-policies.yaml': (t) => t.replace('["111122223333"]', '["999999999999"]') });
    const denied = build('mesh-basics', 'mesh', root).config('client');
    const route = routeOf(denied, 'svc-v.mesh-test.mesh-basics.internal', '/color')!;
    expect(route.deny?.status).toBe(403);
    expect(route.deny!.body).toMatch(/^AccessDeniedException: User: anonymous is not authorized to perform: vpc-lattice-svcs:Invoke/);
    expect(route.deny!.body).toContain('999999999999');
    // The unedited files admit the main account's VPC.
    expect(routeOf(client, 'svc-v.mesh-test.mesh-basics.internal', '/color')!.deny).toBeUndefined();
  });

  it('refuses an auth policy shape it does not evaluate', () => {
    const root = editedCopy('mesh-basics', { 'auth-policies.yaml': (t) => t.replace('"Principal":"*"', '"Principal":{"AWS":"arn:aws:iam::111122223333:root"}') });
    const error = resolveError(() => build('mesh-basics', 'mesh', root));
    expect(error.message).toContain('k8s/mesh-basics/lattice/auth-policies.yaml: IAMAuthPolicy mesh-test/svc-v');
    expect(error.message).toContain('the local mesh evaluates only Allow statements');
    expect(error.message).not.toContain('\n');
  });

  it('gives one clear line for a backendRef to a Service that does not exist', () => {
    const root = editedCopy('mesh-basics', { 'http-routes.yaml': (t) => t.replace('name: svc-2', 'name: svc-3') });
    const error = resolveError(() => build('mesh-basics', 'mesh', root));
    expect(error.message).toBe(
      'k8s/mesh-basics/lattice/http-routes.yaml: HTTPRoute mesh-test/svc-v spec.rules[0].backendRefs[1] sends to Service mesh-test/svc-3, which does not exist in cluster main: create the Service or fix the backendRef',
    );
  });
});

describe('ingress-gateway-eks on Lattice', () => {
  const built = build('ingress-gateway-eks', 'mesh');
  const client = built.config('client');
  const paths = 'color-paths.howto-k8s-ingress-gateway.ingress-gateway-eks.internal:8080';
  const headers = 'color-headers.howto-k8s-ingress-gateway.ingress-gateway-eks.internal:8080';
  const answer = (authority: string, path: string, h: string[] = []) => {
    const route = routeOf(client, authority, path, h)!;
    return endpointsOf(client, route.clusters[0]!.cluster).map((pod) => built.world.instances.find((i) => i.podName === pod)!.workload.metadata.name);
  };

  it('tries the path rules in file order, the last one catching the rest', () => {
    expect(answer(paths, '/blue')).toEqual(['blue']);
    expect(answer(paths, '/green/x')).toEqual(['green']);
    expect(answer(paths, '/yellow')).toEqual(['yellow']);
    expect(answer(paths, '/purple')).toEqual(['white']);
  });

  it('matches the exact header without regard to case; the header-regex route App Mesh had is not carried', () => {
    expect(answer(headers, '/', ['color_header', 'blue'])).toEqual(['blue']);
    expect(answer(headers, '/', ['Color_Header', 'BLUE'])).toEqual(['blue']);
    // App Mesh sent `requesting.green.color` to green by regex: on Lattice it lands on the default rule.
    expect(answer(headers, '/', ['color_header', 'requesting.green.color'])).toEqual(['white']);
    expect(answer(headers, '/', ['color_header', 'redish'])).toEqual(['white']);
  });

  it('reaches a port-8080 service only with its port, and runs the TargetGroupPolicy health check', () => {
    expect(findVirtualHost(compileRoutes(egress(client).virtualHosts), paths.replace(':8080', ''))!.name).toBe('unresolved');
    const cluster = client.clusters.find((c) => c.name.startsWith('lattice_tg_main_howto-k8s-ingress-gateway_color-blue_'))!;
    expect(cluster.healthCheck).toEqual({ protocol: 'http', path: '/ping', intervalMs: 5000, timeoutMs: 2000, healthyThreshold: 2, unhealthyThreshold: 2 });
  });

  it('refuses a match type the controller rejects, naming the file and the fix', () => {
    const root = editedCopy('ingress-gateway-eks', { 'http-routes.yaml': (t) => t.replace('type: Exact', 'type: RegularExpression') });
    const error = resolveError(() => build('ingress-gateway-eks', 'mesh', root));
    expect(error.message).toBe(
      'k8s/ingress-gateway-eks/lattice/http-routes.yaml: HTTPRoute howto-k8s-ingress-gateway/color-headers spec.rules[0].matches[0].headers[0] is a RegularExpression match, which the AWS Gateway API Controller v2.1.3 rejects (LATTICE_UNSUPPORTED_HEADER_MATCH_TYPE): match the exact values you expect',
    );
  });
});

describe('dj-kong-ingress on Lattice', () => {
  it('weighs the canary 95:5 between the v1 and v2 target groups', () => {
    const built = build('dj-kong-ingress', 'canary');
    const dj = built.config('dj');
    const route = routeOf(dj, 'jazz.prod.dj-kong-ingress.internal:9080', '/')!;
    expect(route.clusters.map((c) => [endpointsOf(dj, c.cluster), c.weight])).toEqual([
      [[built.pod('jazz-v1').podName], 95],
      [[built.pod('jazz-v2').podName], 5],
    ]);
  });

  it('follows a weight edit of the rendered file (95/5 → 50/50)', () => {
    const root = editedCopy('dj-kong-ingress', { 'steps/1-canary/http-routes.yaml': (t) => t.replaceAll('weight: 95', 'weight: 50').replaceAll('weight: 5\n', 'weight: 50\n') });
    const dj = build('dj-kong-ingress', 'canary', root).config('dj');
    expect(routeOf(dj, 'metal.prod.dj-kong-ingress.internal:9080', '/')!.clusters.map((c) => c.weight)).toEqual([50, 50]);
  });

  it('runs Kong in the cluster, calling the Lattice names through its pod’s path', () => {
    const built = build('dj-kong-ingress', 'kong-ingress');
    const kong = built.configs.find((c) => c.node.id === `${built.pod('kong').key}#kong`)!;
    expect(kong.kong!.upstreamProxy).toEqual({ host: '127.0.0.1', port: built.pod('kong').ports.egress });
    const jazz = kong.kong!.routes.find((r) => r.paths.includes('/dj/jazz'))!;
    expect(jazz.service).toEqual({ host: 'jazz.prod.dj-kong-ingress.internal', port: 9080 });
    const path = built.config('kong');
    expect(routeOf(path, `${jazz.service.host}:${jazz.service.port}`, '/')!.clusters.map((c) => c.weight)).toEqual([95, 5]);
    // The ExternalName alias with its own name as Host names no Lattice service.
    expect(routeOf(path, 'jazz.prod.svc.cluster.local:9080')!.deny).toMatchObject({ status: 404 });
  });
});

describe('yelb-multi-account on Lattice', () => {
  const tcp = { 'yelb-appserver': ['yelb-db.yelb.svc.cluster.local', 'redis-server.yelb.svc.cluster.local'] };
  const built = build('yelb-multi-account', 'shared-mesh', repoRoot, tcp);

  it('lets the frontend pod reach the backend’s Lattice service through the network shared with AWS RAM', () => {
    const ui = built.config('yelb-ui', 'frontend');
    expect(ui.node.mesh).toBe('111122223333/am-multi-account-mesh');
    const route = routeOf(ui, 'yelb-appserver.yelb.yelb-multi-account.internal:4567', '/api/getvotes')!;
    expect(route.deny).toBeUndefined();
    expect(endpointsOf(ui, route.clusters[0]!.cluster)).toEqual([built.pod('yelb-appserver', 'backend').podName]);
    expect(route.clusters[0]!.cluster).toBe('lattice_tg_backend_yelb_yelb-appserver_4567');
  });

  it('leaves the backend VPC unassociated: its pods do not resolve the Lattice name', () => {
    const app = built.config('yelb-appserver', 'backend');
    expect(routeOf(app, 'yelb-appserver.yelb.yelb-multi-account.internal:4567')!.deny?.status).toBe(502);
  });

  it('connects the appserver to yelb-db and redis by TCP inside the backend cluster', () => {
    const app = built.config('yelb-appserver', 'backend');
    const tcpListeners = app.listeners.filter((l): l is TcpListenerConfig => l.protocol === 'tcp');
    expect(tcpListeners.map((l) => [l.name, endpointsOf(app, l.clusters[0]!.cluster)])).toEqual([
      ['lds_egress_tcp_yelb-db.yelb_5432', [built.pod('yelb-db', 'backend').podName]],
      ['lds_egress_tcp_redis-server.yelb_6379', [built.pod('redis-server', 'backend').podName]],
    ]);
    const db = built.config('yelb-db', 'backend').listeners.find((l) => l.name === 'lds_ingress_0.0.0.0_15000')!;
    expect(db.protocol).toBe('tcp');
  });

  it('refuses a Gateway whose network nobody creates or shares (the RAM share removed)', () => {
    const root = editedCopy('yelb-multi-account', { 'frontend/cloudformation/service-network.yaml': (t) => t.replace(/ {2}Share:[\s\S]*?(?=Outputs:)/, '') });
    const error = resolveError(() => build('yelb-multi-account', 'shared-mesh', root, tcp));
    expect(error.message).toContain('k8s/yelb-multi-account/lattice/backend/service-network.yaml: Gateway yelb/am-multi-account-mesh (cluster backend) stands for service network am-multi-account-mesh');
  });
});

describe('the proxy’s local answers for Lattice', () => {
  it('answers a deny route itself and matches header values without regard to case', async () => {
    const vh: VirtualHost = {
      name: 'svc',
      domains: ['svc'],
      routes: [
        { name: 'by-header', match: { headers: [{ name: 'x-color', match: { exact: 'blue', ignoreCase: true } }] }, clusters: [], timeoutMs: 0, deny: { status: 418, body: 'blue\n' } },
        { name: 'denied', match: { prefix: '/' }, clusters: [], timeoutMs: 0, deny: { status: 403, body: 'AccessDeniedException\n', flag: 'RBAC' } },
      ],
    };
    const proxy = await startProxy([vh], []);
    try {
      expect(await get(proxy.port, '/', { headers: { host: 'svc', 'x-color': 'BLUE' } })).toMatchObject({ status: 418, body: 'blue\n' });
      const denied = await get(proxy.port, '/', { headers: { host: 'svc' } });
      expect(denied).toMatchObject({ status: 403, body: 'AccessDeniedException\n' });
      expect(proxy.logs.at(-1)).toContain('RBAC');
    } finally {
      await proxy.close();
    }
  });
});
