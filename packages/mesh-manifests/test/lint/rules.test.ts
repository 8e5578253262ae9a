/**
 * One broken fixture per rule — a clean, realistic folder with one trap laid over it — and the
 * clean folders themselves, which must pass. Each trap asserts exactly what is reported (rule,
 * severity, file:line, object) and that the message and the fix say what a learner needs.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { lintClean, lintTrap, removeTrapFolders, where } from './helpers.js';

afterAll(removeTrapFolders);

describe('clean fixtures', () => {
  it.each(['mesh-basics', 'dj-app', 'yelb-multi-account'])('%s lints clean', async (base) => {
    const result = await lintClean(base);
    expect(result.findings).toEqual([]);
    expect(result.objects).toBeGreaterThan(10);
  });

  it.each(['istio', 'lattice'])('the DJ app on %s lints clean', async (base) => {
    const result = await lintClean(base);
    expect(result.findings).toEqual([]);
    expect(result.objects).toBe(10);
  });

  it('judges the two clusters of yelb-multi-account separately', async () => {
    const result = await lintClean('yelb-multi-account');
    expect(result.units).toEqual(['backend', 'frontend']);
  });
});

interface Expectation {
  base: string;
  trap: string;
  findings: { at: string; message: string[]; fix: string[] }[];
}

const traps: Expectation[] = [
  {
    base: 'dj-app',
    trap: 'cross-namespace-ref',
    findings: [
      {
        at: 'kong.yaml:56 error missing-reference VirtualNode/kong/kong',
        message: ['backend VirtualService jazz in namespace kong does not exist', 'there is a VirtualService jazz in namespace prod'],
        fix: ['add `namespace: prod` to the ref'],
      },
      {
        at: 'kong.yaml:59 error missing-reference VirtualNode/kong/kong',
        message: ['VirtualService metal in namespace kong does not exist'],
        fix: ['namespace: prod'],
      },
    ],
  },
  {
    base: 'mesh-basics',
    trap: 'namespace-selector',
    findings: [
      {
        at: 'mesh.yaml:18 error namespace-not-in-mesh Namespace/mesh-test',
        message: ['no Mesh selects namespace mesh-test', 'Mesh mesh-1 selects mesh=sitateru-mesh', 'failed to find matching mesh for namespace: mesh-test, expecting 1 but found 0'],
        fix: ['label namespace mesh-test mesh=sitateru-mesh', "or change Mesh mesh-1's namespaceSelector"],
      },
    ],
  },
  {
    base: 'mesh-basics',
    trap: 'injector-label',
    findings: [
      {
        at: 'mesh.yaml:16 error sidecar-injection-off Namespace/mesh-test',
        message: ['lacks the label appmesh.k8s.aws/sidecarInjectorWebhook=enabled', 'Deployment colorteller-1 (VirtualNode vnode-1)', 'Deployment gateway-v (VirtualGateway gateway-v)'],
        fix: ['kubectl label namespace mesh-test appmesh.k8s.aws/sidecarInjectorWebhook=enabled'],
      },
    ],
  },
  {
    base: 'mesh-basics',
    trap: 'ambiguous-selector',
    findings: [
      {
        at: 'nodes.yaml:15 error ambiguous-selector Deployment/mesh-test/colorteller-1',
        message: ['selected by VirtualNode vnode-1, VirtualNode vnode-2', 'found multiple matching VirtualNodes for pod'],
        fix: ['make the podSelectors distinct'],
      },
    ],
  },
  {
    base: 'mesh-basics',
    trap: 'service-name',
    findings: [
      {
        at: 'router.yaml:33 error service-name-mismatch VirtualService/mesh-test/svc-v',
        message: ['reach VirtualService/mesh-test/svc-v as svc-v.mesh-test.svc.cluster.local', 'no Service svc-v in namespace mesh-test', 'Service svc-virtual looks like the intended one'],
        fix: ['rename Service svc-virtual to svc-v', "set the VirtualService's awsName to svc-virtual.mesh-test.svc.cluster.local"],
      },
    ],
  },
  {
    base: 'mesh-basics',
    trap: 'service-selector',
    findings: [
      {
        at: 'router.yaml:46 warning selector-misses-pods Service/mesh-test/svc-v',
        message: ['selector (app=colorteller, vnode=vnode-1) misses the pods of vnode-2 (Deployment colorteller-2'],
        fix: ['`selector: {app: colorteller}`'],
      },
    ],
  },
  {
    base: 'mesh-basics',
    trap: 'route-weights',
    findings: [
      {
        at: 'router.yaml:20 error route-weights VirtualRouter/mesh-test/vrouter-1',
        message: ['every weighted target of route route-1', 'weighs 0'],
        fix: ['give at least one target a positive weight'],
      },
      {
        at: 'router.yaml:34 error route-weights VirtualRouter/mesh-test/vrouter-1',
        message: ['route route-canary gives vnode-2 weight 150', 'integer from 0 to 100'],
        fix: ['integer 0–100'],
      },
    ],
  },
  {
    base: 'yelb-multi-account',
    trap: 'ui-listener-port',
    findings: [
      {
        at: 'frontend/yelb-ui.yaml:61 error port-mismatch VirtualNode/yelb/yelb-ui',
        message: ["listener is on port 4567", 'Deployment yelb-ui serves 80', 'Service yelb-ui forwards to 80'],
        fix: ['set the listener portMapping.port to 80'],
      },
    ],
  },
  {
    base: 'mesh-basics',
    trap: 'short-name',
    findings: [
      {
        at: 'client.yaml:23 error short-name-call Deployment/mesh-test/client',
        message: ['calls svc-v:80 (env COLOR_URL=http://svc-v/)', 'only as svc-v.mesh-test.svc.cluster.local', 'bypasses the router'],
        fix: ['COLOR_URL=http://svc-v.mesh-test.svc.cluster.local/'],
      },
    ],
  },
  {
    base: 'dj-app',
    trap: 'short-name',
    findings: [
      {
        at: 'dj.yaml:23 error short-name-call Deployment/prod/dj',
        message: ['calls jazz:9080', 'only as jazz.prod.svc.cluster.local'],
        fix: ['JAZZ_URL=http://jazz.prod.svc.cluster.local:9080/'],
      },
    ],
  },
  {
    base: 'mesh-basics',
    trap: 'undeclared-backend',
    findings: [
      {
        at: 'client.yaml:31 error undeclared-backend VirtualNode/mesh-test/client',
        message: ['Deployment client calls svc-v.mesh-test.svc.cluster.local:80', 'does not list it as a backend'],
        fix: ['`- virtualService: {virtualServiceRef: {name: svc-v}}`'],
      },
    ],
  },
  {
    base: 'mesh-basics',
    trap: 'gateway-route',
    findings: [
      {
        at: 'gateway.yaml:29 error gateway-route-unmatched GatewayRoute/mesh-test/gateway-v-route-v',
        message: ["gateway-v's namespaceSelector (gateway=gateway-v) does not select namespace mesh-test", 'failed to find matching virtualGateway for gatewayRoute: gateway-v-route-v, expecting 1 but found 0'],
        fix: ['label namespace mesh-test to match gateway=gateway-v'],
      },
    ],
  },
  {
    base: 'yelb-multi-account',
    trap: 'no-ram-share',
    findings: [
      {
        at: 'frontend/yelb-ui.yaml:68 error cross-account-unshared VirtualNode/yelb/yelb-ui',
        message: ['resource of account 222222222222 in mesh am-multi-account-mesh (owner 111111111111)', 'no RAM resource share'],
        fix: ['AWS::RAM::ResourceShare', 'Principals [222222222222]'],
      },
    ],
  },
  {
    base: 'mesh-basics',
    trap: 'envoy-image',
    findings: [
      {
        at: 'gateway.yaml:58 error unknown-envoy-image Deployment/mesh-test/gateway-v',
        message: ['public.ecr.aws/appmesh/aws-apmesh-envoy:v1.19.0.0-prod does not exist', 'named aws-appmesh-envoy, not aws-apmesh-envoy'],
        fix: ['public.ecr.aws/appmesh/aws-appmesh-envoy:v1.19.0.0-prod'],
      },
    ],
  },
  {
    base: 'mesh-basics',
    trap: 'outdated-envoy',
    findings: [
      {
        at: 'gateway.yaml:58 warning outdated-envoy-image Deployment/mesh-test/gateway-v',
        message: ['Envoy v1.29.9.0-prod is older than v1.34.13.3-prod, the last release'],
        fix: ['public.ecr.aws/appmesh/aws-appmesh-envoy:v1.34.13.3-prod'],
      },
    ],
  },
  {
    base: 'istio',
    trap: 'weights',
    findings: [
      {
        at: 'traffic.yaml:19 error target-weights VirtualService/prod/jazz',
        message: ['has no weight while 1 other destination(s) share the route', 'gives a destination without a weight no traffic'],
        fix: ['give every destination of the route a weight'],
      },
    ],
  },
  {
    base: 'istio',
    trap: 'unknown-subset',
    findings: [
      {
        at: 'traffic.yaml:21 error unknown-subset VirtualService/prod/jazz',
        message: ['routes to subset v3 of jazz.prod.svc.cluster.local', 'DestinationRule/prod/jazz', 'answers 503'],
        fix: ['add a subset named v3', 'to the DestinationRule for jazz.prod.svc.cluster.local'],
      },
    ],
  },
  {
    base: 'istio',
    trap: 'missing-host',
    findings: [
      {
        at: 'traffic.yaml:16 error missing-backend VirtualService/prod/jazz',
        message: ['routes to jaz.prod.svc.cluster.local, but no Service answers that name'],
        fix: ['correct the host'],
      },
    ],
  },
  {
    base: 'istio',
    trap: 'sidecar-egress',
    findings: [
      {
        at: 'workloads.yaml:20 error sidecar-egress Deployment/prod/dj',
        message: ['calls jazz.prod.svc.cluster.local:9080 (env JAZZ_URL=', 'Sidecar/prod/dj allows only registered egress hosts (REGISTRY_ONLY)', 'answers 502'],
        fix: ['add prod/jazz.prod.svc.cluster.local to the Sidecar'],
      },
    ],
  },
  {
    base: 'istio',
    trap: 'tls-mismatch',
    findings: [
      {
        at: 'traffic.yaml:33 error tls-mode-mismatch DestinationRule/prod/jazz',
        message: ['sets TLS mode DISABLE', 'PeerAuthentication/prod/default requires mutual TLS (STRICT)', '503'],
        fix: ['remove the tls block', 'auto mTLS'],
      },
    ],
  },
  {
    base: 'lattice',
    trap: 'weights',
    findings: [
      {
        at: 'routes.yaml:18 error target-weights HTTPRoute/prod/jazz',
        message: ['every backend of rule 1 of HTTPRoute/prod/jazz weighs 0', '500'],
        fix: ['give at least one backendRef a positive weight'],
      },
    ],
  },
  {
    base: 'lattice',
    trap: 'missing-backend',
    findings: [
      {
        at: 'routes.yaml:21 error missing-backend HTTPRoute/prod/jazz',
        message: ['sends to Service prod/jazz-v3, which the manifests do not hold', 'the others take its share'],
        fix: ['add Service jazz-v3 in namespace prod'],
      },
    ],
  },
  {
    base: 'lattice',
    trap: 'regex-header',
    findings: [
      {
        at: 'routes.yaml:18 error lattice-unsupported HTTPRoute/prod/jazz',
        message: ['matches header x-canary by RegularExpression', 'builds nothing for it', 'LATTICE_UNSUPPORTED_HEADER_MATCH_TYPE'],
        fix: ['match exact header values only'],
      },
    ],
  },
  {
    base: 'lattice',
    trap: 'service-name',
    findings: [
      {
        at: 'routes.yaml:4 error lattice-unsupported HTTPRoute/prod/svc-jazz',
        message: ['gets the Lattice service name "svc-jazz-prod"', 'Lattice refuses it', 'no service is built'],
        fix: ['application-networking.k8s.aws/service-name-override'],
      },
    ],
  },
  {
    base: 'lattice',
    trap: 'rewrite',
    findings: [
      {
        at: 'routes.yaml:18 error lattice-unsupported HTTPRoute/prod/jazz',
        message: ['has a URLRewrite filter', 'never reads filters', 'goes through unchanged'],
        fix: ['drop the filter'],
      },
    ],
  },
];

describe('traps', () => {
  it.each(traps.map((t) => [`${t.base}/${t.trap}`, t] as const))('%s', async (_name, trap) => {
    const result = await lintTrap(trap.base, trap.trap);
    expect(result.findings.map(where)).toEqual(trap.findings.map((f) => f.at));
    result.findings.forEach((finding, i) => {
      const expected = trap.findings[i]!;
      for (const text of expected.message) expect(finding.message).toContain(text);
      for (const text of expected.fix) expect(finding.fix).toContain(text);
    });
    expect(result.errors).toBe(result.findings.filter((f) => f.severity === 'error').length);
  });

  it('covers every rule the lint has', async () => {
    const { RULE_IDS } = await import('../../src/lint/index.js');
    const covered = new Set(traps.flatMap((t) => t.findings.map((f) => f.at.split(' ')[2])));
    expect(RULE_IDS.filter((id) => id !== 'invalid-yaml' && !covered.has(id))).toEqual([]);
  });
});
