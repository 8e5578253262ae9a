/**
 * Every name, port, weight, match and policy the walkthroughs promise, read back from the
 * definitions: the values of the original each walkthrough follows (cited in its `source` and at
 * the top of its guide), and ours where a correction says why they differ.
 */
import { describe, expect, it } from 'vitest';
import { pingHealthCheck } from '../src/model/build.js';
import { meshIdentityOf, ofKind, selectorMatches } from '../src/model/state.js';
import {
  djKongIngress,
  ingressGatewayEcs,
  ingressGatewayEks,
  meshBasics,
  walkthroughs,
  yelbCanaryObservability,
  yelbMultiAccount,
} from '../src/walkthroughs/index.js';
import { at, weights } from './helpers.js';

const injection = { 'appmesh.k8s.aws/sidecarInjectorWebhook': 'enabled' };

describe('mesh-basics', () => {
  const s = at(meshBasics);

  it('has mesh mesh-1 allowing all egress and selecting namespaces labelled mesh=mesh-1', () => {
    expect(s.mesh('mesh-1').spec).toEqual({ egressFilter: { type: 'ALLOW_ALL' }, namespaceSelector: { matchLabels: { mesh: 'mesh-1' } } });
    const ns = s.resources.find((r) => r.kind === 'Namespace' && r.metadata.name === 'mesh-test')!;
    expect(ns.metadata.labels).toEqual({ mesh: 'mesh-1', ...injection });
  });

  it('scopes the IAM policy to this mesh’s nodes and gateways, on service account appmesh-proxyauth', () => {
    const policy = ofKind(s.resources, 'IamPolicy')[0]!;
    expect(policy.spec.statements[0]!.actions).toEqual(['appmesh:StreamAggregatedResources']);
    expect(policy.spec.statements[0]!.resources.map((r) => r.replace(/^.*:mesh\//, 'mesh/'))).toEqual([
      'mesh/mesh-1/virtualNode/*',
      'mesh/mesh-1/virtualGateway/*',
    ]);
    const sa = ofKind(s.resources, 'ServiceAccountRole')[0]!;
    expect(sa.metadata).toEqual({ name: 'appmesh-proxyauth', namespace: 'mesh-test' });
    expect(sa.spec.policies).toEqual([policy.metadata.name]);
  });

  it('has vnode-1 and vnode-2 listening on 80/http with DNS svc-1/svc-2.mesh-test.svc.cluster.local', () => {
    for (const [node, svc] of [['vnode-1', 'svc-1'], ['vnode-2', 'svc-2']] as const) {
      expect(s.node(node, 'mesh-test').spec.listeners).toEqual([{ portMapping: { port: 80, protocol: 'http' } }]);
      expect(s.node(node, 'mesh-test').spec.serviceDiscovery).toEqual({ dns: { hostname: `${svc}.mesh-test.svc.cluster.local` } });
    }
  });

  it('routes / 1:1 through vrouter-1 (80/http, route-1) behind virtual service svc-v', () => {
    const router = s.router('vrouter-1', 'mesh-test');
    expect(router.spec.listeners).toEqual([{ portMapping: { port: 80, protocol: 'http' } }]);
    expect(router.spec.routes![0]!.httpRoute!.match).toEqual({ prefix: '/' });
    expect(weights(router, 'route-1')).toEqual({ 'vnode-1': 1, 'vnode-2': 1 });
    expect(s.service('svc-v', 'mesh-test').spec.provider?.virtualRouter?.virtualRouterRef).toEqual({ name: 'vrouter-1' });
  });

  it('backs svc-v with a ClusterIP Service of the same name whose selector covers both nodes’ pods', () => {
    const svc = s.k8sService('svc-v', 'mesh-test');
    for (const node of ['vnode-1', 'vnode-2']) {
      const pods = ofKind(s.resources, 'Workload').filter((w) => selectorMatches(s.node(node, 'mesh-test').spec.podSelector!, w.spec.podLabels));
      expect(pods.length).toBeGreaterThan(0);
      for (const pod of pods) expect(selectorMatches({ matchLabels: svc.spec.selector }, pod.spec.podLabels)).toBe(true);
    }
    expect(svc.spec.type ?? 'ClusterIP').toBe('ClusterIP');
  });

  it('has a client node with backend svc-v', () => {
    expect(s.node('client', 'mesh-test').spec.backends).toEqual([{ virtualService: { virtualServiceRef: { name: 'svc-v' } } }]);
    expect(meshIdentityOf(s.workload('client', 'mesh-test'), s.resources)).toMatchObject({ kind: 'VirtualNode', name: 'client' });
  });

  it('has gateway gateway-v on 8088/http, 1024 max connections, access log on stdout, routing / to svc-v', () => {
    const gw = s.gateway('gateway-v', 'mesh-test');
    expect(gw.spec.listeners).toEqual([{ portMapping: { port: 8088, protocol: 'http' }, connectionPool: { http: { maxConnections: 1024 } } }]);
    expect(gw.spec.logging).toEqual({ accessLog: { file: { path: '/dev/stdout' } } });
    const route = s.gatewayRoute('gateway-v-route-v', 'mesh-test').spec.httpRoute!;
    expect(route.match).toEqual({ prefix: '/' });
    expect(route.action.target.virtualService.virtualServiceRef).toEqual({ name: 'svc-v' });
  });

  it('runs the gateway as an Envoy Deployment behind an NLB Service 80 → 8088', () => {
    const envoy = s.workload('gateway-v', 'mesh-test');
    expect(envoy.spec.component).toBe('envoy-gateway');
    expect(meshIdentityOf(envoy, s.resources)).toMatchObject({ kind: 'VirtualGateway', name: 'gateway-v' });
    const svc = s.k8sService('gateway-v', 'mesh-test');
    expect(svc.spec.type).toBe('LoadBalancer');
    expect(svc.metadata.annotations?.['service.beta.kubernetes.io/aws-load-balancer-type']).toBe('nlb');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 8088 }]);
  });

  it('runs ColorTeller with a distinct COLOR per node so the split is visible', () => {
    const colors = ['vnode-1', 'vnode-2'].map((node) => {
      const w = ofKind(s.resources, 'Workload').find((x) => selectorMatches(s.node(node, 'mesh-test').spec.podSelector!, x.spec.podLabels))!;
      expect(w.spec.component).toBe('colorteller');
      expect(w.spec.env?.SERVER_PORT).toBe('80');
      return w.spec.env?.COLOR;
    });
    expect(new Set(colors).size).toBe(2);
  });

  it('records the four traps the original blog series fell into', () => {
    const text = meshBasics.corrections.map((c) => c.original.en).join(' ');
    for (const trap of ['`mesh: sitateru-mesh`', 'selected `app: sample1`', 'share its name with the Service', '`curl svc-v`']) expect(text).toContain(trap);
  });
});

describe('ingress-gateway-ecs', () => {
  const s = at(ingressGatewayEcs, 'plain');
  const colors = ['white', 'blue', 'black', 'red'];

  it('is an ECS walkthrough with mesh ColorApp-Ingress and a private DNS namespace default.svc.cluster.local', () => {
    expect(ingressGatewayEcs.platform).toBe('ecs');
    expect(s.has('Mesh', 'ColorApp-Ingress')).toBe(true);
    const ns = ofKind(s.resources, 'CloudMapNamespace')[0]!;
    expect(ns.metadata.name).toBe('default.svc.cluster.local');
    expect(ns.spec.type).toBe('dns-private');
  });

  it('has four nodes on 9080/http with the /ping health check 2/2, 5000 ms interval, 2000 ms timeout', () => {
    for (const color of colors) {
      const node = s.node(`colorteller-${color}-vn`);
      expect(node.spec.listeners).toEqual([
        { portMapping: { port: 9080, protocol: 'http' }, healthCheck: { protocol: 'http', path: '/ping', healthyThreshold: 2, unhealthyThreshold: 2, intervalMillis: 5000, timeoutMillis: 2000 } },
      ]);
      expect(node.spec.serviceDiscovery).toEqual({ dns: { hostname: `colorteller-${color}.default.svc.cluster.local` } });
    }
  });

  it('splits /tell white:blue 1:1 on colorteller-vr-1 and black:red 1:1 on colorteller-vr-2, behind colorteller-1/2.<domain>', () => {
    expect(weights(s.router('colorteller-vr-1'), 'colorteller-route-1')).toEqual({ 'colorteller-white-vn': 1, 'colorteller-blue-vn': 1 });
    expect(weights(s.router('colorteller-vr-2'), 'colorteller-route-2')).toEqual({ 'colorteller-black-vn': 1, 'colorteller-red-vn': 1 });
    for (const n of [1, 2]) {
      expect(s.router(`colorteller-vr-${n}`).spec.routes![0]!.httpRoute!.match).toEqual({ prefix: '/tell' });
      expect(s.router(`colorteller-vr-${n}`).spec.listeners).toEqual([{ portMapping: { port: 9080, protocol: 'http' } }]);
      expect(s.service(`colorteller-${n}.default.svc.cluster.local`).spec.provider?.virtualRouter?.virtualRouterRef?.name).toBe(`colorteller-vr-${n}`);
    }
  });

  it('routes /color1 to colorteller-1 and /color2 to colorteller-2 through colorgateway-vg (9080/http), default prefix rewrite', () => {
    expect(s.gateway('colorgateway-vg').spec.listeners).toEqual([{ portMapping: { port: 9080, protocol: 'http' } }]);
    for (const n of [1, 2]) {
      const route = s.gatewayRoute(`colorgateway-route-${n}`).spec.httpRoute!;
      expect(route.match).toEqual({ prefix: `/color${n}` });
      expect(route.action.target.virtualService.virtualServiceRef?.name).toBe(`colorteller-${n}.default.svc.cluster.local`);
      expect(route.action.rewrite).toBeUndefined();
    }
  });

  it('sizes the Fargate tasks and their proxy configuration as the original', () => {
    for (const color of colors) {
      const w = s.workload(`colorteller-${color}`);
      expect(w.spec.env).toEqual({ COLOR: color, SERVER_PORT: '9080' });
      expect(w.spec.meshIdentity).toEqual({ virtualNode: `colorteller-${color}-vn` });
      expect(w.spec.ecs).toMatchObject({
        launchType: 'FARGATE',
        networkMode: 'awsvpc',
        cpu: 256,
        memory: 512,
        proxyConfiguration: {
          type: 'APPMESH',
          ignoredUid: 1337,
          proxyIngressPort: 15000,
          proxyEgressPort: 15001,
          appPorts: [9080],
          egressIgnoredIps: ['169.254.170.2', '169.254.169.254'],
        },
        envoy: { user: '1337', adminPort: 9901, appDependsOnHealthyEnvoy: true },
      });
    }
  });

  it('runs the gateway as Envoy with a CloudWatch agent receiving DogStatsD on 8125', () => {
    const gw = s.workload('colorgateway');
    expect(gw.spec.component).toBe('envoy-gateway');
    expect(gw.spec.meshIdentity).toEqual({ virtualGateway: 'colorgateway-vg' });
    expect(gw.spec.proxyEnv).toMatchObject({ ENABLE_ENVOY_DOG_STATSD: '1', STATSD_PORT: '8125' });
    expect(gw.spec.sidecars).toEqual(['cloudwatch-agent']);
    expect(gw.spec.ecs?.proxyConfiguration).toBeUndefined();
    expect(ingressGatewayEcs.entries.find((e) => e.name === 'gateway')).toMatchObject({ kind: 'load-balancer', service: { name: 'colorgateway' } });
  });

  it('turns TLS on for white and the gateway’s trust in partial-tls, then for every node in full-tls', () => {
    const partial = at(ingressGatewayEcs, 'partial-tls');
    const white = partial.node('colorteller-white-vn').spec.listeners![0]!.tls!;
    expect(white.mode).toBe('STRICT');
    expect(white.certificate.file).toEqual({ certificateChain: '/certs/colorteller_cert_chain.pem', privateKey: '/certs/colorteller_key.pem' });
    expect(partial.node('colorteller-blue-vn').spec.listeners![0]!.tls).toBeUndefined();
    expect(partial.gateway('colorgateway-vg').spec.backendDefaults?.clientPolicy?.tls?.validation.trust.file).toEqual({ certificateChain: '/certs/ca_cert.pem' });
    const full = at(ingressGatewayEcs, 'full-tls');
    for (const color of colors) expect(full.node(`colorteller-${color}-vn`).spec.listeners![0]!.tls?.mode).toBe('STRICT');
  });

  it('expects white or blue, black or red, then Envoy’s connection failure for the plain nodes under partial TLS', () => {
    const check = (name: string) => ingressGatewayEcs.checks.find((c) => c.name === name)!;
    expect(check('color1').request).toEqual({ entry: 'gateway', path: '/color1/tell' });
    expect(check('color2').request).toEqual({ entry: 'gateway', path: '/color2/tell' });
    expect(JSON.stringify(check('color2-partial-tls').expect)).toContain(
      'upstream connect error or disconnect/reset before headers. reset reason: connection failure',
    );
    expect(JSON.stringify(check('gateway-handshakes').expect)).toContain('ssl\\\\.handshake');
  });
});

describe('ingress-gateway-eks', () => {
  const s = at(ingressGatewayEks);
  const NS = 'howto-k8s-ingress-gateway';

  it('has gateway ingress-gw on 8088 with /headers → color-headers and /paths → color-paths', () => {
    expect(s.gateway('ingress-gw', NS).spec.listeners[0]!.portMapping).toEqual({ port: 8088, protocol: 'http' });
    expect(s.gatewayRoute('gateway-route-headers', NS).spec.httpRoute).toMatchObject({
      match: { prefix: '/headers' },
      action: { target: { virtualService: { virtualServiceRef: { name: 'color-headers' } } } },
    });
    expect(s.gatewayRoute('gateway-route-paths', NS).spec.httpRoute).toMatchObject({
      match: { prefix: '/paths' },
      action: { target: { virtualService: { virtualServiceRef: { name: 'color-paths' } } } },
    });
  });

  it('has white, blue, red, yellow and green nodes on 8080', () => {
    for (const color of ['white', 'blue', 'red', 'yellow', 'green']) {
      expect(s.node(color, NS).spec.listeners![0]).toEqual({ portMapping: { port: 8080, protocol: 'http' }, healthCheck: pingHealthCheck() });
      expect(s.workload(color, NS).spec.env).toEqual({ COLOR: color, SERVER_PORT: '8080' });
    }
  });

  it('matches color_header: exact blue, regex .*green.*, prefix red, present → yellow, absent → white', () => {
    const routes = s.router('color-headers', NS).spec.routes!;
    const target = (name: string) => routes.find((r) => r.name === name)!;
    expect(target('color-route-blue').httpRoute!.match.headers).toEqual([{ name: 'color_header', match: { exact: 'blue' } }]);
    expect(target('color-route-green').httpRoute!.match.headers).toEqual([{ name: 'color_header', match: { regex: '.*green.*' } }]);
    expect(target('color-route-red').httpRoute!.match.headers).toEqual([{ name: 'color_header', match: { prefix: 'red' } }]);
    expect(target('color-route-yellow').httpRoute!.match.headers).toEqual([{ name: 'color_header' }]);
    expect(target('color-route-white').httpRoute!.match).toEqual({ prefix: '/' });
    expect(target('color-route-white').priority).toBeUndefined();
    expect(routes.map((r) => r.priority)).toEqual([10, 20, 30, 40, undefined]);
    for (const r of routes) expect(weights(s.router('color-headers', NS), r.name)).toEqual({ [r.name.replace('color-route-', '')]: 1 });
  });

  it('matches /blue, /green, /red, /yellow to that colour and / to white on color-paths', () => {
    const routes = s.router('color-paths', NS).spec.routes!;
    expect(Object.fromEntries(routes.map((r) => [r.httpRoute!.match.prefix, Object.keys(weights(s.router('color-paths', NS), r.name))[0]]))).toEqual({
      '/blue': 'blue',
      '/green': 'green',
      '/red': 'red',
      '/yellow': 'yellow',
      '/': 'white',
    });
  });

  it('checks a path route and each way the header router answers: exact, regex, present, absent', () => {
    const checks = Object.fromEntries(ingressGatewayEks.checks.map((c) => [`${c.request.path} ${JSON.stringify(c.request.headers ?? {})}`, c.expect]));
    const answer = (path: string, headers: Record<string, string>) =>
      (checks[`${path} ${JSON.stringify(headers)}`] as { response: { body: { equals: string } } }).response.body.equals;
    expect(answer('/paths/red', {})).toBe('red');
    expect(answer('/headers', { color_header: 'blue' })).toBe('blue');
    expect(answer('/headers', { color_header: 'requesting.green.color' })).toBe('green');
    expect(answer('/headers', { color_header: 'rainbow' })).toBe('yellow');
    expect(answer('/headers', {})).toBe('white');
  });
});

describe('dj-kong-ingress', () => {
  const final = at(djKongIngress);

  it('has mesh dj-app over namespaces prod and kong, both labelled in', () => {
    expect(final.mesh('dj-app').spec.namespaceSelector).toEqual({ matchLabels: { mesh: 'dj-app' } });
    for (const ns of ['prod', 'kong']) {
      expect(final.resources.find((r) => r.kind === 'Namespace' && r.metadata.name === ns)!.metadata.labels).toEqual({ mesh: 'dj-app', ...injection });
    }
  });

  it('has nodes dj (backends jazz, metal), jazz-v1/v2 and metal-v1/v2, all with the /ping health check on 9080', () => {
    expect(final.node('dj', 'prod').spec.backends!.map((b) => b.virtualService.virtualServiceRef?.name)).toEqual(['jazz', 'metal']);
    for (const name of ['dj', 'jazz-v1', 'jazz-v2', 'metal-v1', 'metal-v2']) {
      expect(final.node(name, 'prod').spec.listeners).toEqual([{ portMapping: { port: 9080, protocol: 'http' }, healthCheck: pingHealthCheck() }]);
    }
  });

  it('weighs jazz and metal 95:5 at the end, v1 only at the start', () => {
    for (const genre of ['jazz', 'metal']) {
      expect(final.service(genre, 'prod').spec.awsName).toBe(`${genre}.prod.svc.cluster.local`);
      expect(final.router(`${genre}-router`, 'prod').spec.listeners).toEqual([{ portMapping: { port: 9080, protocol: 'http' } }]);
      expect(final.router(`${genre}-router`, 'prod').spec.routes![0]!.httpRoute!.match).toEqual({ prefix: '/' });
      expect(weights(final.router(`${genre}-router`, 'prod'), `${genre}-route`)).toEqual({ [`${genre}-v1`]: 95, [`${genre}-v2`]: 5 });
      expect(weights(at(djKongIngress, 'v1-only').router(`${genre}-router`, 'prod'), `${genre}-route`)).toEqual({ [`${genre}-v1`]: 100 });
    }
    expect(at(djKongIngress, 'v1-only').has('VirtualNode', 'jazz-v2', 'prod')).toBe(false);
  });

  it('runs music v1/v2 with GENRE and VERSION on 9080', () => {
    expect(final.workload('jazz-v2', 'prod').spec).toMatchObject({ component: 'music', env: { GENRE: 'jazz', VERSION: 'v2', PORT: '9080' } });
    expect(final.workload('metal-v1', 'prod').spec.env).toEqual({ GENRE: 'metal', VERSION: 'v1', PORT: '9080' });
  });

  it('makes Kong virtual node kong (80/http, backends jazz and metal in prod) with its controller as UID 1337', () => {
    const kong = final.node('kong', 'kong');
    expect(kong.spec.listeners).toEqual([{ portMapping: { port: 80, protocol: 'http' } }]);
    expect(kong.spec.backends).toEqual([
      { virtualService: { virtualServiceRef: { name: 'jazz', namespace: 'prod' } } },
      { virtualService: { virtualServiceRef: { name: 'metal', namespace: 'prod' } } },
    ]);
    const workload = final.workload('kong', 'kong');
    expect(workload.spec.kongIngressControllerUid).toBe(1337);
    expect(selectorMatches(kong.spec.podSelector!, workload.spec.podLabels)).toBe(true);
  });

  it('has Ingress djingress (class kong, strip path, host not preserved) for /dj/jazz and /dj/metal on 9080', () => {
    const ingress = final.resources.find((r) => r.kind === 'Ingress')!;
    expect(ingress.apiVersion).toBe('networking.k8s.io/v1');
    expect(ingress.spec.ingressClassName).toBe('kong');
    expect(ingress.metadata.annotations).toMatchObject({ 'konghq.com/strip-path': 'true', 'konghq.com/preserve-host': 'false' });
    expect(ingress.spec.rules[0]!.http.paths.map((p) => [p.path, p.backend.service.name, p.backend.service.port.number])).toEqual([
      ['/dj/jazz', 'jazz', 9080],
      ['/dj/metal', 'metal', 9080],
    ]);
    for (const genre of ['jazz', 'metal']) {
      expect(final.k8sService(genre, 'prod').metadata.annotations?.['konghq.com/host-header']).toBe(`${genre}.prod.svc.cluster.local`);
    }
  });

  it('rate-limits 3 a minute (policy local), requires key-auth, with secret consumerapikey (kong-secret) for consumer1', () => {
    const plugins = ofKind(final.resources, 'KongPlugin');
    expect(plugins.find((p) => p.metadata.name === 'rl-by-minute')).toMatchObject({ plugin: 'rate-limiting', config: { minute: 3, policy: 'local' } });
    expect(plugins.find((p) => p.metadata.name === 'apikey')?.plugin).toBe('key-auth');
    const secret = ofKind(final.resources, 'Secret').find((x) => x.metadata.name === 'consumerapikey')!;
    expect(secret.metadata.labels).toEqual({ 'konghq.com/credential': 'key-auth' });
    expect(secret.stringData).toEqual({ key: 'kong-secret' });
    expect(ofKind(final.resources, 'KongConsumer')[0]).toMatchObject({ metadata: { name: 'consumer1' }, username: 'consumer1', credentials: ['consumerapikey'] });
  });

  it('expects 95:5 lists, a 429 on the 4th request, a 401 without a key', () => {
    const check = (name: string) => djKongIngress.checks.find((c) => c.name === name)!;
    const canary = check('kong-jazz').expect as { outcomes: { weight: number; body: unknown }[] };
    expect(canary.outcomes.map((o) => [o.weight, o.body])).toEqual([
      [95, { json: ['Astrud Gilberto', 'Miles Davis'] }],
      [5, { json: ['Astrud Gilberto (Bahia, Brazil)', 'Miles Davis (Alton, Illinois)'] }],
    ]);
    const limited = check('rate-limited').expect as { responses: { status?: number; body?: unknown }[] };
    expect(limited.responses).toHaveLength(4);
    expect(limited.responses[3]).toMatchObject({ status: 429, body: { json: { message: 'API rate limit exceeded' } } });
    expect(check('key-required').expect).toMatchObject({ response: { status: 401, body: { json: { message: 'No API key found in request' } } } });
    expect(check('key-accepted').request.headers).toEqual({ apikey: 'kong-secret' });
  });
});

describe('yelb-multi-account', () => {
  const backend = at(yelbMultiAccount, undefined, 'backend');
  const frontend = at(yelbMultiAccount, undefined, 'frontend');

  it('has mesh am-multi-account-mesh owned by the frontend account in both clusters, shared by RAM share mesh-share', () => {
    const owner = yelbMultiAccount.accounts.find((a) => a.name === 'frontend')!.exampleId;
    expect(backend.mesh('am-multi-account-mesh').spec.meshOwner).toBe(owner);
    expect(frontend.mesh('am-multi-account-mesh').spec.meshOwner).toBe(owner);
    expect(ofKind(frontend.resources, 'ResourceShare')[0]).toMatchObject({ metadata: { name: 'mesh-share' }, spec: { principals: ['backend'] } });
  });

  it('has redis-server 6379/tcp, yelb-db 5432/tcp, yelb-appserver 4567/http in Cloud Map am-multi-account.local', () => {
    expect(backend.node('redis-server', 'yelb').spec.listeners![0]!.portMapping).toEqual({ port: 6379, protocol: 'tcp' });
    expect(backend.node('yelb-db', 'yelb').spec.listeners![0]!.portMapping).toEqual({ port: 5432, protocol: 'tcp' });
    const app = backend.node('yelb-appserver', 'yelb');
    expect(app.spec.listeners![0]!.portMapping).toEqual({ port: 4567, protocol: 'http' });
    expect(app.spec.serviceDiscovery).toEqual({ awsCloudMap: { namespaceName: 'am-multi-account.local', serviceName: 'yelb-appserver' } });
    expect(app.spec.backends!.map((b) => b.virtualService.virtualServiceRef?.name)).toEqual(['yelb-db', 'redis-server']);
    expect(ofKind(backend.resources, 'CloudMapNamespace')[0]).toMatchObject({ metadata: { name: 'am-multi-account.local' }, spec: { type: 'http' } });
  });

  it('retries the appserver route twice, 2000 ms per try, on server, gateway and client errors', () => {
    const route = backend.router('yelb-appserver', 'yelb').spec.routes![0]!.httpRoute!;
    expect(route.match).toEqual({ prefix: '/' });
    expect(route.retryPolicy).toEqual({ maxRetries: 2, perRetryTimeout: { unit: 'ms', value: 2000 }, httpRetryEvents: ['server-error', 'client-error', 'gateway-error'] });
  });

  it('points yelb-ui at the appserver’s virtual service by ARN, listens on the UI’s own port, behind a LoadBalancer', () => {
    const ui = frontend.node('yelb-ui', 'yelb');
    expect(ui.spec.backends![0]!.virtualService.virtualServiceARN).toBe(
      'arn:aws:appmesh:us-west-2:111122223333:mesh/am-multi-account-mesh/virtualService/yelb-appserver',
    );
    const workload = frontend.workload('yelb-ui', 'yelb');
    expect(ui.spec.listeners![0]!.portMapping.port).toBe(workload.spec.ports[0]!.port);
    expect(ui.spec.listeners![0]!.portMapping.port).not.toBe(4567);
    const svc = frontend.k8sService('yelb-ui', 'yelb');
    expect(svc.spec.type).toBe('LoadBalancer');
    expect(svc.spec.ports[0]).toMatchObject({ port: 80 });
  });

  it('peers VPCs 10.192.0.0/16 and 10.193.0.0/16', () => {
    expect(yelbMultiAccount.clusters.map((c) => [c.name, c.vpcCidr])).toEqual([
      ['frontend', '10.192.0.0/16'],
      ['backend', '10.193.0.0/16'],
    ]);
    expect(ofKind(backend.resources, 'VpcPeering')).toHaveLength(1);
  });

  it('runs the appserver with RACK_ENV=production and the UI with its appserver endpoint', () => {
    expect(backend.workload('yelb-appserver', 'yelb').spec.env).toEqual({ RACK_ENV: 'production' });
    expect(frontend.workload('yelb-ui', 'yelb').spec.env).toEqual({ YELB_APPSERVER_ENDPOINT: 'http://yelb-appserver:4567' });
    expect(frontend.k8sService('yelb-ui', 'yelb').spec.ports[0]!.targetPort).toBe('http');
  });
});

describe('yelb-canary-observability', () => {
  it('weighs v1:v2 2:1 at the canary step, with a retry policy and a per-request timeout', () => {
    const route = at(yelbCanaryObservability, 'canary').router('yelb-appserver', 'yelb').spec.routes![0]!;
    expect(weights(at(yelbCanaryObservability, 'canary').router('yelb-appserver', 'yelb'), route.name)).toEqual({ 'yelb-appserver-v1': 2, 'yelb-appserver-v2': 1 });
    expect(route.httpRoute!.retryPolicy?.maxRetries).toBeGreaterThan(0);
    expect(route.httpRoute!.timeout?.perRequest).toBeDefined();
  });

  it('starts with v1 only and sets APP_VERSION=v2 on the canary', () => {
    const start = at(yelbCanaryObservability, 'v1-only');
    expect(weights(start.router('yelb-appserver', 'yelb'), 'route-to-yelb-appserver')).toEqual({ 'yelb-appserver-v1': 1 });
    expect(at(yelbCanaryObservability, 'canary').workload('yelb-appserver-v2', 'yelb').spec.env).toMatchObject({ APP_VERSION: 'v2' });
  });

  it('logs to /dev/stdout, and sends StatsD and X-Ray traces to sidecars from every meshed workload', () => {
    const s = at(yelbCanaryObservability);
    for (const node of ofKind(s.resources, 'VirtualNode')) expect(node.spec.logging).toEqual({ accessLog: { file: { path: '/dev/stdout' } } });
    for (const w of ofKind(s.resources, 'Workload')) {
      expect(w.spec.proxyEnv).toMatchObject({ ENABLE_ENVOY_XRAY_TRACING: '1', ENABLE_ENVOY_DOG_STATSD: '1', STATSD_PORT: '8125' });
      expect(w.spec.sidecars).toEqual(['xray-daemon', 'cloudwatch-agent']);
    }
  });

  it('expects two thirds of /api/hostname from v1', () => {
    const check = yelbCanaryObservability.checks.find((c) => c.name === 'hostname-canary')!;
    expect(check.request.path).toBe('/api/hostname');
    expect((check.expect as { outcomes: { weight: number }[] }).outcomes.map((o) => o.weight)).toEqual([2, 1]);
  });
});

describe('every walkthrough', () => {
  it.each(walkthroughs.map((w) => [w.name, w] as const))('%s has checks for entries it declares, steps that exist, and corrections', (_name, w) => {
    expect(w.corrections.length).toBeGreaterThan(0);
    for (const check of w.checks) {
      expect(w.entries.map((e) => e.name)).toContain(check.request.entry);
      for (const step of [check.step, check.until].filter(Boolean)) expect(w.steps.map((s) => s.name)).toContain(step);
    }
  });

  it.each(walkthroughs.filter((w) => w.platform === 'eks').map((w) => [w.name, w] as const))(
    '%s: every meshed workload is one node or gateway, and every node with a podSelector selects a workload',
    (_name, w) => {
      const s = at(w);
      for (const workload of ofKind(s.resources, 'Workload')) expect(meshIdentityOf(workload, s.resources), workload.metadata.name).toBeDefined();
      for (const node of ofKind(s.resources, 'VirtualNode').filter((n) => n.spec.podSelector)) {
        const pods = ofKind(s.resources, 'Workload').filter(
          (wl) => wl.metadata.namespace === node.metadata.namespace && selectorMatches(node.spec.podSelector!, wl.spec.podLabels),
        );
        expect(pods.length, node.metadata.name).toBeGreaterThan(0);
      }
    },
  );
});
