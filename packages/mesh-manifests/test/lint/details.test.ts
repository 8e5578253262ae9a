/**
 * The finer behaviour of each rule, on the clean fixtures edited one field at a time through the
 * programmatic API (`lintObjects`), and of the pieces under the rules (selectors, call parsing,
 * the Envoy image data, YAML loading, clusters and steps).
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkEnvoyRepository,
  formatFinding,
  isReleasedEnvoyTag,
  KNOWN_ENVOY_TAGS,
  LATEST_ENVOY_TAG,
  lintObjects,
  lintPath,
  loadYamlPath,
  nearestEnvoyTag,
  parseYamlText,
  type Finding,
  type SourcedObject,
} from '../../src/lint/index.js';
import { targetsIn, targetsInCommand } from '../../src/lint/calls.js';
import { selects } from '../../src/lint/selectors.js';
import { CLEAN, where } from './helpers.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let meshBasics: SourcedObject[];
let djApp: SourcedObject[];
let yelbFrontend: SourcedObject[];
let yelbBackend: SourcedObject[];
let sharedMesh: SourcedObject[];
const temporary: string[] = [];

beforeAll(async () => {
  meshBasics = (await loadYamlPath(join(CLEAN, 'mesh-basics'), join(CLEAN, 'mesh-basics'))).inputs;
  djApp = (await loadYamlPath(join(CLEAN, 'dj-app'), join(CLEAN, 'dj-app'))).inputs;
  const yelb = join(CLEAN, 'yelb-multi-account');
  yelbFrontend = (await loadYamlPath(join(yelb, 'frontend'), yelb)).inputs;
  yelbBackend = (await loadYamlPath(join(yelb, 'backend'), yelb)).inputs;
  sharedMesh = (await loadYamlPath(join(yelb, 'shared-mesh.yaml'), yelb)).inputs;
});

afterAll(async () => {
  await Promise.all(temporary.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A deep copy of `inputs` with one object changed by `change` (kind/name pick it). */
function edit(inputs: SourcedObject[], kind: string, name: string, change: (object: Json) => void): SourcedObject[] {
  let found = false;
  const out = inputs.map((input) => {
    if (input.object.kind !== kind || input.object.metadata?.name !== name) return input;
    found = true;
    const object = structuredClone(input.object) as Json;
    change(object);
    return { ...input, object };
  });
  if (!found) throw new Error(`no ${kind} ${name} in the fixture`);
  return out;
}

function without(inputs: SourcedObject[], kind: string, name?: string): SourcedObject[] {
  return inputs.filter((i) => !(i.object.kind === kind && (name === undefined || i.object.metadata?.name === name)));
}

function inline(yaml: string): SourcedObject[] {
  return parseYamlText(yaml, 'inline.yaml').inputs;
}

function lint(inputs: SourcedObject[], options = {}): Finding[] {
  return lintObjects(inputs, options).findings;
}

function rules(findings: Finding[]): string[] {
  return findings.map((f) => `${f.severity} ${f.ruleId}`);
}

async function tempCopy(base: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'amw-lint-detail-'));
  temporary.push(dir);
  await cp(join(CLEAN, base), dir, { recursive: true });
  return dir;
}

describe('label selectors', () => {
  it('treat an absent selector as selecting nothing and an empty one as selecting everything', () => {
    expect(selects(undefined, { app: 'a' })).toBe(false);
    expect(selects({}, { app: 'a' })).toBe(true);
    expect(selects(undefined, { app: 'a' }, 'all')).toBe(true);
  });

  it('evaluate matchLabels and every matchExpressions operator', () => {
    const labels = { app: 'color', version: 'blue' };
    expect(selects({ matchLabels: { app: 'color' } }, labels)).toBe(true);
    expect(selects({ matchLabels: { app: 'color', version: 'red' } }, labels)).toBe(false);
    expect(selects({ matchExpressions: [{ key: 'version', operator: 'In', values: ['blue', 'red'] }] }, labels)).toBe(true);
    expect(selects({ matchExpressions: [{ key: 'version', operator: 'NotIn', values: ['blue'] }] }, labels)).toBe(false);
    expect(selects({ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, labels)).toBe(true);
    expect(selects({ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, labels)).toBe(false);
  });
});

describe('finding outbound calls', () => {
  it('reads URLs, host:port, JSON lists and bare hosts in host-like variables', () => {
    expect(targetsIn('http://yelb-appserver:4567', 'YELB_APPSERVER_ENDPOINT')).toEqual([{ host: 'yelb-appserver', port: 4567 }]);
    expect(targetsIn('https://api.example.com/x', 'X')).toEqual([{ host: 'api.example.com', port: 443 }]);
    expect(targetsIn('color.ns.svc.cluster.local:8080', 'COLOR_HOST')).toEqual([{ host: 'color.ns.svc.cluster.local', port: 8080 }]);
    expect(targetsIn('["jazz.prod.svc.cluster.local:9080","metal:9080"]', 'BACKENDS')).toEqual([
      { host: 'jazz.prod.svc.cluster.local', port: 9080 },
      { host: 'metal', port: 9080 },
    ]);
    expect(targetsIn('postgres://postgres:pw@yelb-db:5432/yelbdatabase', 'DATABASE_URL')).toEqual([{ host: 'yelb-db', port: 5432 }]);
    expect(targetsIn('redis-server', 'REDIS_SERVER_ENDPOINT')).toEqual([{ host: 'redis-server', port: 6379 }]);
  });

  it('ignores values that are not addresses', () => {
    expect(targetsIn('blue', 'COLOR')).toEqual([]);
    expect(targetsIn('production', 'RACK_ENV')).toEqual([]);
    expect(targetsIn('http://$(HOST):80', 'URL')).toEqual([]);
  });

  it('reads URLs and curl/wget operands on command lines, skipping option values', () => {
    expect(targetsInCommand('curl svc-v')).toEqual([{ host: 'svc-v' }]);
    expect(targetsInCommand('while true; do curl -s -H "color_header: blue" http://front:8080/; sleep 1; done')).toEqual([{ host: 'front', port: 8080 }]);
    expect(targetsInCommand('wget -qO- jazz.prod.svc.cluster.local:9080/')).toEqual([{ host: 'jazz.prod.svc.cluster.local', port: 9080 }]);
    expect(targetsInCommand('curl -s $COLOR_URL')).toEqual([]);
    expect(targetsInCommand('sleep infinity')).toEqual([]);
  });
});

describe('missing-reference', () => {
  it('suggests the close name when a ref has a typo', () => {
    const inputs = edit(meshBasics, 'VirtualNode', 'client', (o) => {
      o.spec.backends[0].virtualService.virtualServiceRef.name = 'svc-w';
    });
    const [finding] = lint(inputs, { rules: ['missing-reference'] });
    expect(where(finding!)).toBe('client.yaml:37 error missing-reference VirtualNode/mesh-test/client');
    expect(finding!.message).toContain('backend VirtualService svc-w in namespace mesh-test does not exist (did you mean svc-v?)');
    expect(finding!.fix).toContain('`name: svc-v`');
  });

  it('points at the namespace that has the object when a ref names the wrong one', () => {
    const inputs = edit(djApp, 'VirtualNode', 'kong', (o) => {
      o.spec.backends[0].virtualService.virtualServiceRef.namespace = 'production';
    });
    const [finding] = lint(inputs, { rules: ['missing-reference'] });
    expect(finding!.message).toBe('backend VirtualService jazz in namespace production does not exist (there is a VirtualService jazz in namespace prod)');
    expect(finding!.fix).toBe("change the ref's namespace to `namespace: prod`");
  });

  it('checks router targets, providers and gateway targets, and a node whose DNS hostname names no Service', () => {
    let inputs = edit(meshBasics, 'VirtualRouter', 'vrouter-1', (o) => {
      o.spec.routes[0].httpRoute.action.weightedTargets[1].virtualNodeRef.name = 'vnode-3';
    });
    inputs = edit(inputs, 'GatewayRoute', 'gateway-v-route-v', (o) => {
      o.spec.httpRoute.action.target.virtualService.virtualServiceRef.name = 'svc-x';
    });
    inputs = edit(inputs, 'VirtualNode', 'vnode-1', (o) => {
      o.spec.serviceDiscovery.dns.hostname = 'svc-one.mesh-test.svc.cluster.local';
    });
    const messages = lint(inputs, { rules: ['missing-reference'] }).map((f) => `${f.object.name}: ${f.message}`);
    expect(messages).toEqual([
      expect.stringContaining('gateway-v-route-v: target VirtualService svc-x in namespace mesh-test does not exist'),
      expect.stringContaining('vnode-1: serviceDiscovery.dns.hostname svc-one.mesh-test.svc.cluster.local names Service mesh-test/svc-one, which does not exist'),
      expect.stringContaining('vrouter-1: route target VirtualNode vnode-3 in namespace mesh-test does not exist'),
    ]);
  });
});

describe('namespace-not-in-mesh and sidecar-injection-off', () => {
  it('explains a Mesh with no namespaceSelector (which selects nothing)', () => {
    const inputs = edit(meshBasics, 'Mesh', 'mesh-1', (o) => {
      delete o.spec.namespaceSelector;
    });
    const [finding] = lint(inputs, { rules: ['namespace-not-in-mesh'] });
    expect(finding!.severity).toBe('error');
    expect(finding!.fix).toContain('Mesh mesh-1 has no namespaceSelector, which selects no namespace');
  });

  it('reports a namespace selected by two meshes', () => {
    const second = inline('apiVersion: appmesh.k8s.aws/v1beta2\nkind: Mesh\nmetadata:\n  name: mesh-2\nspec:\n  namespaceSelector: {}\n');
    const [finding] = lint([...meshBasics, ...second], { rules: ['namespace-not-in-mesh'] });
    expect(finding!.message).toContain('found multiple matching meshes for namespace: mesh-test, expecting 1 but found 2');
  });

  it('warns when the Namespace or the Mesh is not in the inputs', () => {
    expect(rules(lint(without(meshBasics, 'Namespace'), { rules: ['namespace-not-in-mesh'] }))).toEqual(['warning namespace-not-in-mesh']);
    const noMesh = lint(without(meshBasics, 'Mesh'), { rules: ['namespace-not-in-mesh'] });
    expect(noMesh.map((f) => f.message)).toEqual([expect.stringContaining('the inputs define no Mesh')]);
  });

  it('flags pods left without Envoy in a namespace labelled disabled', () => {
    const inputs = edit(meshBasics, 'Namespace', 'mesh-test', (o) => {
      o.metadata.labels['appmesh.k8s.aws/sidecarInjectorWebhook'] = 'disabled';
    });
    const findings = lint(inputs, { rules: ['sidecar-injection-off'] });
    expect(findings.map((f) => f.object.name).sort()).toEqual(['client', 'colorteller-1', 'colorteller-2']);
    expect(findings[0]!.fix).toContain('annotate the pod template with appmesh.k8s.aws/sidecarInjectorWebhook: enabled');
  });

  it('flags a pod no node selects in an injecting namespace, unless it opts out', () => {
    const curl = inline(`apiVersion: v1
kind: Pod
metadata:
  name: curl
  namespace: mesh-test
  labels: {run: curl}
spec:
  containers:
    - name: curl
      image: curlimages/curl:8.10.1
`);
    const [finding] = lint([...meshBasics, ...curl], { rules: ['sidecar-injection-off'] });
    expect(finding!.message).toContain('sidecarInject enabled but no matching VirtualNode or VirtualGateway found');
    const optedOut = edit(curl, 'Pod', 'curl', (o) => {
      o.metadata.annotations = { 'appmesh.k8s.aws/sidecarInjectorWebhook': 'disabled' };
    });
    expect(lint([...meshBasics, ...optedOut], { rules: ['sidecar-injection-off'] })).toEqual([]);
  });
});

describe('port-mismatch', () => {
  it('reports a call on a port the virtual service does not listen on', () => {
    const inputs = edit(djApp, 'Deployment', 'dj', (o) => {
      o.spec.template.spec.containers[0].env[1].value = 'http://jazz.prod.svc.cluster.local:8080/';
    });
    const [finding] = lint(inputs);
    expect(where(finding!)).toBe('dj.yaml:23 error port-mismatch Deployment/prod/dj');
    expect(finding!.message).toContain('VirtualService/prod/jazz listens on 9080');
  });

  it('checks a gateway listener against its Envoy container and its Service', () => {
    const inputs = edit(meshBasics, 'Service', 'gateway-v', (o) => {
      o.spec.ports[0].targetPort = 8080;
    });
    const [finding] = lint(inputs);
    expect(where(finding!)).toBe('gateway.yaml:16 error port-mismatch VirtualGateway/mesh-test/gateway-v');
    expect(finding!.message).toContain('Service gateway-v forwards to 8080');
  });

  it('resolves named target ports against the pods', () => {
    const inputs = edit(meshBasics, 'Deployment', 'colorteller-1', (o) => {
      o.spec.template.spec.containers[0].ports[0].containerPort = 8080;
    });
    const [finding] = lint(inputs);
    expect(finding!.message).toContain('Deployment colorteller-1 serves 8080, and Service svc-1 forwards to 8080');
  });
});

describe('short-name-call and undeclared-backend', () => {
  const ui = `apiVersion: appmesh.k8s.aws/v1beta2
kind: Mesh
metadata: {name: yelb}
spec:
  namespaceSelector: {matchLabels: {mesh: yelb}}
---
apiVersion: v1
kind: Namespace
metadata:
  name: yelb
  labels: {mesh: yelb, appmesh.k8s.aws/sidecarInjectorWebhook: enabled}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: yelb-ui, namespace: yelb}
spec:
  template:
    metadata: {labels: {app: yelb-ui}}
    spec:
      containers:
        - name: yelb-ui
          image: ghcr.io/example/yelb-ui:1.0.0
          ports: [{containerPort: 80}]
---
apiVersion: appmesh.k8s.aws/v1beta2
kind: VirtualNode
metadata: {name: yelb-ui, namespace: yelb}
spec:
  podSelector: {matchLabels: {app: yelb-ui}}
  listeners: [{portMapping: {port: 80, protocol: http}}]
  backends: [{virtualService: {virtualServiceRef: {name: yelb-appserver}}}]
---
apiVersion: appmesh.k8s.aws/v1beta2
kind: VirtualService
metadata: {name: yelb-appserver, namespace: yelb}
spec:
  awsName: yelb-appserver.yelb.svc.cluster.local
  provider: {virtualNode: {virtualNodeRef: {name: yelb-appserver}}}
---
apiVersion: appmesh.k8s.aws/v1beta2
kind: VirtualNode
metadata: {name: yelb-appserver, namespace: yelb}
spec:
  listeners: [{portMapping: {port: 4567, protocol: http}}]
---
apiVersion: v1
kind: Service
metadata: {name: yelb-appserver, namespace: yelb}
spec:
  ports: [{port: 4567}]
`;

  it("knows yelb-ui's default endpoint, a short name the mesh does not match", () => {
    const [finding] = lint(inline(ui), { rules: ['short-name-call'] });
    expect(finding!.message).toContain("calls yelb-appserver:4567 (yelb-ui's default YELB_APPSERVER_ENDPOINT (http://yelb-appserver:4567))");
    expect(finding!.fix).toContain('yelb-appserver.yelb.svc.cluster.local');
  });

  it('accepts a short name for a TCP service when it resolves to the same Service', () => {
    const inputs = edit(yelbBackend, 'VirtualService', 'yelb-db', (o) => {
      o.spec.awsName = 'yelb-db.yelb.svc.cluster.local';
    });
    expect(lint(inputs)).toEqual([]);
  });

  it('knows the appserver calls Postgres and Redis by default, and that they must be declared backends', () => {
    const inputs = edit(yelbBackend, 'VirtualNode', 'yelb-appserver', (o) => {
      o.spec.backends = [o.spec.backends[0]];
    });
    const [finding] = lint(inputs);
    expect(where(finding!)).toBe('backend/appserver.yaml:40 error undeclared-backend VirtualNode/yelb/yelb-appserver');
    expect(finding!.message).toContain("calls redis-server:6379 (yelb-appserver's Redis host for RACK_ENV=production (redis-server:6379))");
  });

  it('counts a backend declared by ARN or through a backend group', () => {
    const inputs = edit(meshBasics, 'VirtualNode', 'client', (o) => {
      o.spec.backends = [];
      o.spec.backendGroups = [{ name: 'everything' }];
    });
    const group = inline(
      'apiVersion: appmesh.k8s.aws/v1beta2\nkind: BackendGroup\nmetadata: {name: everything, namespace: mesh-test}\nspec:\n  virtualservices: [{name: svc-v}]\n',
    );
    expect(lint([...inputs, ...group])).toEqual([]);
    expect(rules(lint(inputs))).toEqual(['error missing-reference', 'error undeclared-backend']);
  });
});

describe('gateway-route-unmatched', () => {
  it('reports a route two gateways select', () => {
    const second = inline(`apiVersion: appmesh.k8s.aws/v1beta2
kind: VirtualGateway
metadata: {name: gateway-w, namespace: mesh-test}
spec:
  namespaceSelector: {}
  podSelector: {matchLabels: {app: gateway-w}}
  listeners: [{portMapping: {port: 8088, protocol: http}}]
`);
    const [finding] = lint([...meshBasics, ...second], { rules: ['gateway-route-unmatched'] });
    expect(finding!.message).toContain('expecting 1 but found 2');
  });

  it('honours gatewayRouteSelector against the route labels', () => {
    const inputs = edit(meshBasics, 'VirtualGateway', 'gateway-v', (o) => {
      o.spec.gatewayRouteSelector = { matchLabels: { gateway: 'gateway-v' } };
    });
    const [finding] = lint(inputs, { rules: ['gateway-route-unmatched'] });
    expect(finding!.fix).toBe("label GatewayRoute gateway-v-route-v to match gateway=gateway-v, or change VirtualGateway gateway-v's gatewayRouteSelector");
  });
});

describe('cross-account-unshared', () => {
  const yelb = () => [...yelbFrontend, ...sharedMesh];

  it('requires meshOwner for a reference to another account', () => {
    const inputs = edit(yelb(), 'Mesh', 'am-multi-account-mesh', (o) => {
      delete o.spec.meshOwner;
    });
    expect(lint(inputs)).toEqual([]);
    const [finding] = lint(inputs, { accountId: '111111111111' });
    expect(finding!.message).toContain('Mesh am-multi-account-mesh (account 111111111111) has no meshOwner');
  });

  it('rejects a placeholder instead of an ARN, and an ARN into another mesh', () => {
    const placeholder = edit(yelb(), 'VirtualNode', 'yelb-ui', (o) => {
      o.spec.backends[0].virtualService.virtualServiceARN = '<yelb-appserver virtualServiceARN>';
    });
    expect(lint(placeholder)[0]!.message).toBe('virtualServiceARN "<yelb-appserver virtualServiceARN>" is not an App Mesh ARN');
    const otherMesh = edit(yelb(), 'VirtualNode', 'yelb-ui', (o) => {
      o.spec.backends[0].virtualService.virtualServiceARN = 'arn:aws:appmesh:us-west-2:222222222222:mesh/other-mesh/virtualService/yelb-appserver';
    });
    expect(lint(otherMesh)[0]!.message).toContain('points into mesh other-mesh');
  });

  it('checks the share names the other account when its principals are known', () => {
    const share = sharedMesh.map((s) => {
      const object = structuredClone(s.object) as Json;
      object.Parameters.BackendAccountId.Default = '333333333333';
      return { ...s, object };
    });
    const [finding] = lint([...yelbFrontend, ...share]);
    expect(finding!.message).toContain('the RAM share mesh-share for mesh am-multi-account-mesh does not include that account');
  });

  it('recognises an ACK ResourceShare too', () => {
    const ack = inline(`apiVersion: ram.services.k8s.aws/v1alpha1
kind: ResourceShare
metadata: {name: mesh-share, namespace: ack-system}
spec:
  name: mesh-share
  allowExternalPrincipals: true
  principals: ["222222222222"]
  resourceARNs: ["arn:aws:appmesh:us-west-2:111111111111:mesh/am-multi-account-mesh"]
`);
    expect(lint([...yelbFrontend, ...ack])).toEqual([]);
    expect(rules(lint(yelbFrontend))).toEqual(['error cross-account-unshared']);
  });

  it('makes a consumer account find the mesh shared with it (account from --account or IRSA)', () => {
    expect(lint([...yelbBackend, ...sharedMesh], { accountId: '222222222222' })).toEqual([]);
    const [finding] = lint(yelbBackend, { accountId: '222222222222' });
    expect(finding!.message).toContain('Mesh am-multi-account-mesh is owned by account 111111111111, but no RAM resource share in the inputs shares it with this account (222222222222)');
    const irsa = inline(`apiVersion: v1
kind: ServiceAccount
metadata:
  name: yelb
  namespace: yelb
  annotations: {eks.amazonaws.com/role-arn: "arn:aws:iam::222222222222:role/yelb-envoy"}
`);
    expect(rules(lint([...yelbBackend, ...irsa]))).toEqual(['error cross-account-unshared']);
  });
});

describe('unknown-envoy-image', () => {
  const gatewayImage = (image: string, annotations?: Record<string, string>) =>
    edit(meshBasics, 'Deployment', 'gateway-v', (o) => {
      o.spec.template.spec.containers[0].image = image;
      if (annotations) o.spec.template.metadata.annotations = annotations;
    });

  it('accepts controller-override only where the controller replaces the image', () => {
    expect(lint(gatewayImage('controller-override'))).toEqual([]);
    const skipped = lint(gatewayImage('controller-override', { 'appmesh.k8s.aws/virtualGatewaySkipImageOverride': 'enabled' }));
    expect(skipped[0]!.message).toContain('is a placeholder, and nothing replaces it here: the pod opts out');
    const client = edit(meshBasics, 'Deployment', 'client', (o) => {
      o.spec.template.spec.containers.push({ name: 'envoy', image: 'controller-override' });
    });
    expect(lint(client)[0]!.message).toContain('no VirtualGateway podSelector matches this pod');
  });

  it('suggests the nearest released tag for an unreleased one', () => {
    const [finding] = lint(gatewayImage('public.ecr.aws/appmesh/aws-appmesh-envoy:v1.30.0.0-prod'));
    expect(finding!.message).toContain('App Mesh never released Envoy tag v1.30.0.0-prod');
    expect(finding!.fix).toContain('public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.5.0-prod');
  });

  it('checks the registry account against the region, and warns about an unpinned tag', () => {
    const [wrongAccount] = lint(gatewayImage('840364872350.dkr.ecr.me-south-1.amazonaws.com/aws-appmesh-envoy:v1.29.9.0-prod'));
    expect(wrongAccount!.message).toContain('App Mesh publishes Envoy for me-south-1 from account 772975370895');
    expect(lint(gatewayImage(`772975370895.dkr.ecr.me-south-1.amazonaws.com/aws-appmesh-envoy:${LATEST_ENVOY_TAG}`))).toEqual([]);
    expect(rules(lint(gatewayImage('public.ecr.aws/appmesh/aws-appmesh-envoy')))).toEqual(['warning unknown-envoy-image']);
  });

  it('warns about a released tag older than the last release, FIPS variants too, and names the last one', () => {
    const [older] = lint(gatewayImage('public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.9.0-prod'));
    expect(rules([older!])).toEqual(['warning outdated-envoy-image']);
    expect(older!.message).toContain(`Envoy v1.29.9.0-prod is older than ${LATEST_ENVOY_TAG}`);
    expect(older!.fix).toBe(`use public.ecr.aws/appmesh/aws-appmesh-envoy:${LATEST_ENVOY_TAG}`);
    const [fips] = lint(gatewayImage('840364872350.dkr.ecr.us-east-1.amazonaws.com/aws-appmesh-envoy:v1.29.12.3-prod-fips'));
    expect(fips!.fix).toBe(`use 840364872350.dkr.ecr.us-east-1.amazonaws.com/aws-appmesh-envoy:${LATEST_ENVOY_TAG}-fips`);
    expect(lint(gatewayImage(`public.ecr.aws/appmesh/aws-appmesh-envoy:${LATEST_ENVOY_TAG}`))).toEqual([]);
  });

  it('rejects a non-App Mesh Envoy outside an overridden gateway pod', () => {
    expect(lint(gatewayImage('envoyproxy/envoy:v1.29.1'))).toEqual([]);
    const skipped = lint(gatewayImage('envoyproxy/envoy:v1.29.1', { 'appmesh.k8s.aws/virtualGatewaySkipImageOverride': 'enabled' }));
    expect(skipped[0]!.message).toContain("is not App Mesh's Envoy");
  });

  it('keeps released tags as data with a source each', () => {
    for (const { tag, source } of KNOWN_ENVOY_TAGS) {
      expect(tag).toMatch(/^v1\.\d+\.\d+\.\d+-prod$/);
      expect(source.length).toBeGreaterThan(5);
    }
    expect(new Set(KNOWN_ENVOY_TAGS.map((t) => t.tag)).size).toBe(KNOWN_ENVOY_TAGS.length);
    expect(nearestEnvoyTag('v1.19.0-prod')).toBe('v1.19.0.0-prod');
    expect(nearestEnvoyTag('latest-ish')).toBe(LATEST_ENVOY_TAG);
    expect(isReleasedEnvoyTag('v1.29.9.0-prod-fips', { fipsAllowed: true })).toBe(true);
    expect(isReleasedEnvoyTag('v1.22.0.0-prod-fips', { fipsAllowed: true })).toBe(false);
    expect(isReleasedEnvoyTag('v1.29.9.0-prod-fips')).toBe(false);
    expect(checkEnvoyRepository('919366029133.dkr.ecr.cn-north-1.amazonaws.com.cn/aws-appmesh-envoy')).toEqual({ ok: true, fipsAllowed: true });
  });
});

describe('loading YAML', () => {
  it('reports invalid YAML with its line and keeps going', async () => {
    const dir = await tempCopy('mesh-basics');
    await writeFile(join(dir, 'broken.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels: [a\n');
    await writeFile(join(dir, 'not-a-manifest.json'), '{"compilerOptions": {}}}\n');
    const result = await lintPath(dir, {}, dir);
    expect(result.findings.map(where)).toEqual(['broken.yaml:6 error invalid-yaml File/broken.yaml']);
  });

  it("applies a kustomization's namespace to the objects below it", async () => {
    const dir = await tempCopy('mesh-basics');
    for (const file of ['nodes.yaml', 'router.yaml', 'client.yaml', 'gateway.yaml']) {
      const text = await readFile(join(dir, file), 'utf8');
      await writeFile(join(dir, file), text.replace(/^ {2}namespace: mesh-test\n/gm, ''));
    }
    expect((await lintPath(dir, {}, dir)).errors).toBeGreaterThan(0);
    await writeFile(join(dir, 'kustomization.yaml'), `${await readFile(join(dir, 'kustomization.yaml'), 'utf8')}namespace: mesh-test\n`);
    expect((await lintPath(dir, {}, dir)).findings).toEqual([]);
  });

  it('lints objects with no source, printing (input) for the file', () => {
    const bare = edit(meshBasics, 'VirtualRouter', 'vrouter-1', (o) => {
      o.spec.routes[0].httpRoute.action.weightedTargets[0].weight = 101;
    }).map((i) => i.object);
    const [finding] = lintObjects(bare).findings;
    expect(finding!.file).toBeUndefined();
    expect(formatFinding(finding!)).toMatch(/^\(input\) error route-weights VirtualRouter\/mesh-test\/vrouter-1: /);
  });
});

describe('steps and clusters', () => {
  it('lints the state after each steps/<n>-<name> folder, the step replacing objects it repeats', async () => {
    const dir = await tempCopy('mesh-basics');
    const router = await readFile(join(dir, 'router.yaml'), 'utf8');
    await cp(join(dir, 'router.yaml'), join(dir, 'steps', '1-canary', 'router.yaml'), { recursive: true });
    await writeFile(join(dir, 'steps', '1-canary', 'router.yaml'), router.replace('weight: 1', 'weight: 3'));
    expect((await lintPath(dir, {}, dir)).findings).toEqual([]);
    await cp(join(dir, 'steps', '1-canary'), join(dir, 'steps', '2-drain'), { recursive: true });
    await writeFile(join(dir, 'steps', '2-drain', 'router.yaml'), router.replace(/weight: 1/g, 'weight: 0'));
    const result = await lintPath(dir, {}, dir);
    expect(result.units).toEqual(['.', '.@1', '.@2']);
    expect(result.findings.map(where)).toEqual(['steps/2-drain/router.yaml:20 error route-weights VirtualRouter/mesh-test/vrouter-1']);
  });

  it("shares a CloudFormation template in one cluster's folder with the others", async () => {
    const dir = await tempCopy('yelb-multi-account');
    await cp(join(dir, 'shared-mesh.yaml'), join(dir, 'frontend', 'cloudformation', 'mesh-share.yaml'));
    await rm(join(dir, 'shared-mesh.yaml'));
    const meshFindings = async () => (await lintPath(dir, { accountId: '222222222222' }, dir)).findings.filter((f) => f.object.kind === 'Mesh').map(where);
    expect(await meshFindings()).toEqual([]);
    await rm(join(dir, 'frontend', 'cloudformation'), { recursive: true });
    expect(await meshFindings()).toEqual([
      'backend/mesh.yaml:7 error cross-account-unshared Mesh/am-multi-account-mesh',
      'frontend/mesh.yaml:7 error cross-account-unshared Mesh/am-multi-account-mesh',
    ]);
  });
});
