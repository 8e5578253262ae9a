/**
 * Do the live targets route like App Mesh? Every check's request is routed through what each
 * target's renderer wrote (Istio's VirtualServices, Lattice's HTTPRoutes, the load balancer's rules)
 * and through the App Mesh definition, and the nodes that answer are compared: the same everywhere
 * but where the migration report says a route is not carried. Then the shapes a learner relies on.
 */
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { targetChecks } from '../../src/migrate/checks.js';
import { predictAppMesh, PREDICTORS, type CheckRequest, type Prediction } from '../../src/migrate/predict.js';
import { migrationReport } from '../../src/migrate/targets.js';
import { liveTargetsOf } from '../../src/render/layout.js';
import { getWalkthrough, walkthroughs } from '../../src/walkthroughs/index.js';
import { derivedServiceName, isValidServiceName, SERVICE_NAME_OVERRIDE, serviceNameOverride } from '../../src/render/lattice/names.js';
import { RENDERERS, type Obj } from './rendered.js';

function requestOf(walkthroughName: string, checkName: string): CheckRequest {
  const walkthrough = getWalkthrough(walkthroughName);
  const check = walkthrough.checks.find((c) => c.name === checkName)!;
  return { walkthrough, check, entry: walkthrough.entries.find((e) => e.name === check.request.entry)!, step: check.step ?? walkthrough.steps[0]!.name };
}

/** `node:weight` per answer, weights as the share of their total (a lone destination of weight 100 or 1 alike). */
function shares(p: Prediction): string {
  if ('unknown' in p) return 'unknown';
  const total = p.answers.reduce((sum, a) => sum + a.weight, 0);
  const divisor = p.answers.length === 1 ? total : 1;
  return p.answers.map((a) => `${a.node}:${a.weight / divisor}`).sort().join(' ');
}

describe('App Mesh, read from the definitions, answers what the walkthroughs expect', () => {
  it.each([
    ['ingress-gateway-eks', 'headers-green', 'green:1'],
    ['ingress-gateway-eks', 'headers-yellow', 'yellow:1'],
    ['ingress-gateway-eks', 'headers-none', 'white:1'],
    ['ingress-gateway-eks', 'paths-default', 'white:1'],
    ['ingress-gateway-ecs', 'color1', 'colorteller-blue-vn:1 colorteller-white-vn:1'],
    ['mesh-basics', 'gateway-split', 'vnode-1:1 vnode-2:1'],
    ['dj-kong-ingress', 'dj-canary-jazz', 'jazz-v1:95 jazz-v2:5'],
  ])('%s %s → %s', (walkthrough, check, expected) => {
    expect(shares(predictAppMesh(requestOf(walkthrough, check)))).toBe(expected);
  });

  it('cannot follow a request an app relays, or a short name outside the mesh', () => {
    expect(predictAppMesh(requestOf('yelb-canary-observability', 'hostname-canary'))).toHaveProperty('unknown');
    expect(predictAppMesh(requestOf('mesh-basics', 'client-short-name'))).toHaveProperty('unknown');
  });
});

const routed = walkthroughs.flatMap((w) =>
  liveTargetsOf(w).flatMap((target) =>
    w.checks.map((check) => [`${w.name} ${check.name} on ${target}`, w.name, check.name, target] as const).filter(([, , c]) => !('unknown' in predictAppMesh(requestOf(w.name, c)))),
  ),
);

/** The checks a target answers differently: the header routes Lattice's controller cannot match. */
const DIFFERENT = new Set(['ingress-gateway-eks headers-red on lattice', 'ingress-gateway-eks headers-green on lattice', 'ingress-gateway-eks headers-yellow on lattice']);

describe('each target routes each check’s request to the nodes App Mesh does', () => {
  it('has routed checks on every target', () => {
    expect(new Set(routed.map(([, , , target]) => target))).toEqual(new Set(['istio', 'lattice', 'service-connect']));
  });

  it.each(routed)('%s', (name, walkthrough, check, target) => {
    const request = requestOf(walkthrough, check);
    const there = PREDICTORS[target](request);
    expect('unknown' in there, name).toBe(false);
    if (DIFFERENT.has(name)) expect(shares(there)).not.toBe(shares(predictAppMesh(request)));
    else expect(shares(there)).toBe(shares(predictAppMesh(request)));
  });

  it('falls through to the default route on Lattice where a header route is not carried', () => {
    for (const check of ['headers-red', 'headers-green', 'headers-yellow']) expect(shares(PREDICTORS.lattice(requestOf('ingress-gateway-eks', check)))).toBe('white:1');
  });
});

describe('the guides’ checks per target', () => {
  it('say which checks differ and why, from the report', () => {
    const w = getWalkthrough('ingress-gateway-eks');
    const checks = targetChecks(w, 'lattice', migrationReport(w, 'lattice'));
    const differ = checks.filter((c) => c.status === 'differs');
    expect(differ.map((c) => c.check.name)).toEqual(['headers-red', 'headers-green', 'headers-yellow']);
    expect(differ.map((c) => c.expect)).toEqual(differ.map(() => ({ kind: 'always', response: { body: { equals: 'white' }, label: 'white' } })));
    expect(differ[1]!.note).toMatch(/route color-route-green, which is not carried: .*LATTICE_UNSUPPORTED_HEADER_MATCH_TYPE/);
    expect(checks.find((c) => c.check.name === 'paths-red')!.command).toBe(
      'kubectl -n howto-k8s-ingress-gateway exec deploy/client -c curl -- curl -s http://color-paths.howto-k8s-ingress-gateway.ingress-gateway-eks.internal:8080/red',
    );
  });

  it('on Service Connect, the partial TLS step’s failures do not happen: the load balancer reaches the tasks directly', () => {
    const w = getWalkthrough('ingress-gateway-ecs');
    const checks = targetChecks(w, 'service-connect', migrationReport(w, 'service-connect'));
    expect(checks.filter((c) => c.status === 'differs').map((c) => c.check.name)).toEqual(['color1-partial-tls', 'color2-partial-tls']);
    expect(checks.find((c) => c.check.name === 'gateway-handshakes')!.status).toBe('unavailable');
  });

  it('on Istio, asks the proxy through pilot-agent, and expects spans from the HTTP hops only', () => {
    const w = getWalkthrough('yelb-canary-observability');
    const checks = targetChecks(w, 'istio', migrationReport(w, 'istio'));
    expect(checks.find((c) => c.check.name === 'proxy-counts')!.command).toBe('kubectl -n yelb exec deploy/yelb-ui -c istio-proxy -- pilot-agent request GET stats');
    const trace = checks.find((c) => c.check.name === 'trace')!;
    expect(trace.expect).toEqual({ kind: 'trace', hops: ['yelb-ui', 'yelb-appserver'] });
  });
});

function objectsOf(walkthrough: string, target: 'istio' | 'lattice', pathPart: string): Obj[] {
  return RENDERERS[target](getWalkthrough(walkthrough))
    .filter((f) => f.path.includes(pathPart) && f.path.endsWith('.yaml') && !f.path.endsWith('kustomization.yaml'))
    .flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS() as Obj));
}

describe('Istio shapes', () => {
  it('gives every meshed workload of a DROP_ALL mesh a REGISTRY_ONLY Sidecar listing its backends, and none under ALLOW_ALL', () => {
    const dj = objectsOf('dj-kong-ingress', 'istio', '').filter((o) => o.kind === 'Sidecar');
    expect(dj.map((s) => s.metadata!.name).sort()).toEqual(['dj', 'jazz-v1', 'jazz-v2', 'kong', 'metal-v1', 'metal-v2']);
    expect(dj.find((s) => s.metadata!.name === 'dj')).toMatchObject({
      spec: { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' }, egress: [{ hosts: ['prod/jazz.prod.svc.cluster.local', 'prod/metal.prod.svc.cluster.local', 'istio-system/*'] }] },
    });
    expect(objectsOf('mesh-basics', 'istio', '').filter((o) => o.kind === 'Sidecar')).toEqual([]);
  });

  it('weighs the canaries as App Mesh does, step by step', () => {
    const canary = objectsOf('dj-kong-ingress', 'istio', 'steps/1-canary').find((o) => o.kind === 'VirtualService' && o.metadata!.name === 'jazz')!;
    expect((canary.spec as { http: { route: { weight: number }[] }[] }).http[0]!.route.map((r) => r.weight)).toEqual([95, 5]);
    const yelb = objectsOf('yelb-canary-observability', 'istio', 'steps/1-canary').find((o) => o.kind === 'VirtualService')!;
    expect((yelb.spec as { http: { route: { destination: { subset: string }; weight: number }[]; retries: unknown; timeout: string }[] }).http[0]).toMatchObject({
      route: [{ destination: { subset: 'yelb-appserver-v1' }, weight: 2 }, { destination: { subset: 'yelb-appserver-v2' }, weight: 1 }],
      retries: { attempts: 2, perTryTimeout: '2s', retryOn: '5xx,gateway-error,connect-failure' },
      timeout: '10s',
    });
  });

  it('gives every http entry a timeout: the route’s own, or the 15 s App Mesh’s Envoy applied by default', () => {
    for (const walkthrough of walkthroughs.filter((w) => w.platform === 'eks')) {
      for (const vs of objectsOf(walkthrough.name, 'istio', '').filter((o) => o.kind === 'VirtualService')) {
        for (const entry of ((vs.spec as { http?: { timeout?: string; directResponse?: unknown }[] }).http ?? []).filter((h) => !h.directResponse)) expect(entry.timeout).toMatch(/^\d+(ms|s)$/);
      }
    }
    const plain = objectsOf('dj-kong-ingress', 'istio', 'steps/1-canary').find((o) => o.kind === 'VirtualService' && o.metadata!.name === 'jazz')!;
    expect((plain.spec as { http: { timeout: string }[] }).http[0]!.timeout).toBe('15s');
  });

  it('keeps a subset while its pods run, so a step that stops routing to it cannot break requests in flight', () => {
    const subsets = (step: string) =>
      objectsOf('yelb-canary-observability', 'istio', '')
        .filter((o) => o.kind === 'DestinationRule')
        .concat(objectsOf('yelb-canary-observability', 'istio', step).filter((o) => o.kind === 'DestinationRule'))
        .flatMap((o) => ((o.spec as { subsets?: { name: string }[] }).subsets ?? []).map((x) => x.name));
    expect(new Set(subsets('steps/1-canary'))).toEqual(new Set(['yelb-appserver-v1', 'yelb-appserver-v2']));
    // The promote step routes everything to v2 and changes no DestinationRule: v1's subset stays.
    expect(objectsOf('yelb-canary-observability', 'istio', 'steps/2-promote').filter((o) => o.kind === 'DestinationRule')).toEqual([]);
  });

  it('leaves istio-system to Helm: no Namespace of it in any folder, so kubectl delete -k cannot take istiod with it', () => {
    for (const walkthrough of walkthroughs.filter((w) => w.platform === 'eks')) {
      expect(objectsOf(walkthrough.name, 'istio', '').filter((o) => o.kind === 'Namespace' && o.metadata!.name === 'istio-system')).toEqual([]);
    }
  });

  it('folds the gateway routes into the routers’ routes, rewriting the prefix as App Mesh does', () => {
    const gateway = objectsOf('ingress-gateway-eks', 'istio', '').find((o) => o.kind === 'VirtualService' && o.metadata!.name === 'ingress-gw')!;
    const http = (gateway.spec as { http: { name: string; match: Record<string, unknown>[]; rewrite?: Record<string, unknown> }[] }).http;
    expect(http.map((h) => h.name)).toEqual([
      'gateway-route-headers.color-route-blue',
      'gateway-route-headers.color-route-green',
      'gateway-route-headers.color-route-red',
      'gateway-route-headers.color-route-yellow',
      'gateway-route-headers.color-route-white',
      'gateway-route-paths.color-route-blue',
      'gateway-route-paths.color-route-green',
      'gateway-route-paths.color-route-red',
      'gateway-route-paths.color-route-yellow',
      'gateway-route-paths.color-route-white',
    ]);
    expect(http[3]!.match[0]).toEqual({ uri: { prefix: '/headers' }, headers: { color_header: {} } });
    expect(http[7]!.match[0]).toEqual({ uri: { regex: '/paths/?red.*' } });
    expect(http[7]!.rewrite).toEqual({ uriRegexRewrite: { match: '^/paths/?(.*)$', rewrite: '/\\1' }, authority: 'color-paths.howto-k8s-ingress-gateway.svc.cluster.local' });
  });
});

describe('Lattice shapes', () => {
  it('points the apps at the Lattice names, and Kong at them through ExternalName Services', () => {
    const dj = objectsOf('dj-kong-ingress', 'lattice', '').find((o) => o.kind === 'Deployment' && o.metadata!.name === 'dj')!;
    expect(JSON.stringify(dj)).toContain('{"name":"JAZZ_URL","value":"http://jazz.prod.dj-kong-ingress.internal:9080/"}');
    const jazz = objectsOf('dj-kong-ingress', 'lattice', 'steps/2-kong-ingress').find((o) => o.kind === 'Service' && o.metadata!.name === 'jazz')!;
    expect(jazz).toMatchObject({ spec: { type: 'ExternalName', externalName: 'jazz.prod.dj-kong-ingress.internal' }, metadata: { annotations: { 'konghq.com/host-header': 'jazz.prod.dj-kong-ingress.internal' } } });
    const ui = objectsOf('yelb-multi-account', 'lattice', 'frontend').find((o) => o.kind === 'Deployment' && o.metadata!.name === 'yelb-ui')!;
    expect(JSON.stringify(ui)).toContain('http://yelb-appserver.yelb.yelb-multi-account.internal:4567');
  });

  it('admits unsigned callers from the accounts that call each service, in one line of JSON', () => {
    const policy = objectsOf('yelb-multi-account', 'lattice', 'backend').find((o) => o.kind === 'IAMAuthPolicy')!;
    const text = (policy.spec as { policy: string }).policy;
    expect(text).not.toContain('\n');
    expect(JSON.parse(text)).toMatchObject({ Statement: [{ Principal: '*', Condition: { StringEquals: { 'vpc-lattice-svcs:SourceVpcOwnerAccount': ['111122223333'] } } }] });
  });

  it('names every Lattice service with a name Lattice accepts, by annotation where the derived one is refused', () => {
    for (const walkthrough of walkthroughs.filter((w) => w.platform === 'eks')) {
      for (const route of objectsOf(walkthrough.name, 'lattice', '').filter((o) => o.kind === 'HTTPRoute')) {
        const name = route.metadata!.annotations?.[SERVICE_NAME_OVERRIDE] ?? derivedServiceName(route.metadata!.name!, route.metadata!.namespace!);
        expect(isValidServiceName(name), `${walkthrough.name} ${route.metadata!.name}: ${name}`).toBe(true);
      }
    }
    const svc = objectsOf('mesh-basics', 'lattice', '').find((o) => o.kind === 'HTTPRoute' && o.metadata!.name === 'svc-v')!;
    expect(svc.metadata!.annotations).toEqual({ [SERVICE_NAME_OVERRIDE]: 'mesh-test-svc-v' });
  });

  it('derives Lattice service names as the controller does, and overrides only those Lattice refuses', () => {
    expect(derivedServiceName('a'.repeat(25), 'n'.repeat(20))).toBe(`${'a'.repeat(20)}-${'n'.repeat(18)}`);
    expect(serviceNameOverride('jazz', 'prod')).toBeUndefined();
    expect(serviceNameOverride('svc-v', 'mesh-test')).toBe('mesh-test-svc-v');
    expect(serviceNameOverride('color-', 'x')).toBe('x-color');
    expect(() => serviceNameOverride('Jazz', 'prod')).toThrow('rename the route');
  });

  it('gives every backend Service a health check policy: App Mesh’s check, or none where App Mesh had none', () => {
    for (const walkthrough of walkthroughs.filter((w) => w.platform === 'eks')) {
      const objects = objectsOf(walkthrough.name, 'lattice', '');
      const policies = objects.filter((o) => o.kind === 'TargetGroupPolicy');
      for (const route of objects.filter((o) => o.kind === 'HTTPRoute')) {
        for (const rule of (route.spec as { rules: { backendRefs: { name: string; namespace?: string }[] }[] }).rules) {
          for (const backend of rule.backendRefs) {
            const namespace = backend.namespace ?? route.metadata!.namespace;
            expect(
              policies.some((p) => p.metadata!.namespace === namespace && (p.spec as { targetRef: { name: string } }).targetRef.name === backend.name),
              `${walkthrough.name}: ${namespace}/${backend.name}`,
            ).toBe(true);
          }
        }
      }
    }
    const policy = (walkthrough: string, name: string) => objectsOf(walkthrough, 'lattice', '').find((o) => o.kind === 'TargetGroupPolicy' && o.metadata!.name === name)!.spec as { healthCheck: Record<string, unknown> };
    expect(policy('yelb-canary-observability', 'yelb-appserver-v2').healthCheck).toEqual({ enabled: false });
    expect(policy('ingress-gateway-eks', 'color-blue').healthCheck).toMatchObject({ enabled: true, path: '/ping' });
  });

  it('renders no load balancer for a gateway Envoy it does not run', () => {
    const services = objectsOf('ingress-gateway-eks', 'lattice', '').filter((o) => o.kind === 'Service');
    expect(services.map((s) => s.metadata!.name)).not.toContain('ingress-gw');
    expect(services.filter((s) => (s.spec as { type?: string }).type === 'LoadBalancer')).toEqual([]);
  });

  it('keeps the router’s order as the rule order', () => {
    const route = objectsOf('ingress-gateway-eks', 'lattice', '').find((o) => o.kind === 'HTTPRoute' && o.metadata!.name === 'color-paths')!;
    const rules = (route.spec as { rules: { matches: { path: { value: string } }[] }[] }).rules;
    expect(rules.map((r) => r.matches[0]!.path.value)).toEqual(['/blue', '/green', '/red', '/yellow', '/']);
  });
});

describe('Service Connect shapes', () => {
  const files = RENDERERS['service-connect'](getWalkthrough('ingress-gateway-ecs'));
  const services = parseAllDocuments(files.find((f) => f.path.endsWith('services.yaml'))!.content)[0]!.toJS() as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };

  it('runs the apps without Envoy, each a Service Connect service with its alias', () => {
    const text = JSON.stringify(services);
    expect(text).not.toContain('ProxyConfiguration');
    expect(text).not.toContain('appmesh');
    expect(services.Resources.ColortellerWhiteService!.Properties.ServiceConnectConfiguration).toMatchObject({
      Enabled: true,
      Services: [{ PortName: 'http', DiscoveryName: 'colorteller-white', ClientAliases: [{ Port: 9080, DnsName: 'colorteller-white.default.svc.cluster.local' }] }],
    });
  });

  it('splits and rewrites at the load balancer', () => {
    expect(services.Resources.ColorgatewayRoute1ColortellerRoute1Rule!.Properties).toMatchObject({
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/color1/tell*', '/color1tell*'] } }],
      Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: { Ref: 'ColortellerWhiteVnTargetGroup' }, Weight: 1 }, { TargetGroupArn: { Ref: 'ColortellerBlueVnTargetGroup' }, Weight: 1 }] } }],
      Transforms: [{ Type: 'url-rewrite', UrlRewriteConfig: { Rewrites: [{ Regex: '^/color1/?(.*)$', Replace: '/$1' }] } }, { Type: 'host-header-rewrite' }],
    });
  });

  it('creates each ECS service after the listener rule that forwards to its target group (ECS refuses a target group no rule uses)', () => {
    for (const [id, resource] of Object.entries(services.Resources).filter(([, r]) => r.Type === 'AWS::ECS::Service')) {
      const groups = ((resource.Properties.LoadBalancers as { TargetGroupArn: { Ref: string } }[] | undefined) ?? []).map((l) => l.TargetGroupArn.Ref);
      for (const group of groups) {
        const rules = Object.entries(services.Resources).filter(([, r]) => r.Type === 'AWS::ElasticLoadBalancingV2::ListenerRule' && JSON.stringify(r.Properties.Actions).includes(`"${group}"`));
        expect(rules.length, id).toBeGreaterThan(0);
        for (const [rule] of rules) expect((resource as { DependsOn?: string[] }).DependsOn, id).toContain(rule);
      }
    }
  });

  it('turns TLS on only when a Private CA is given', () => {
    const tls = (services.Resources.ColortellerRedService!.Properties.ServiceConnectConfiguration as { Services: { Tls: unknown }[] }).Services[0]!.Tls;
    expect(tls).toEqual({ 'Fn::If': ['TlsOn', { IssuerCertificateAuthority: { AwsPcaAuthorityArn: { Ref: 'TlsCertificateAuthorityArn' } }, RoleArn: { Ref: 'ServiceConnectTlsRoleArn' } }, { Ref: 'AWS::NoValue' }] });
  });
});
