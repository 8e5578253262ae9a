/**
 * Every object the live targets render is one its platform accepts: Kubernetes' own kinds against
 * Kubernetes' schemas, Istio's, the Gateway API's and the Lattice controller's kinds against their
 * CRDs (unknown fields refused), Kong's against our Kong schema, CloudFormation against the resource
 * specification. Under CI the CRDs must be there; elsewhere the CRD tests skip, saying so.
 */
import { describe, expect, it } from 'vitest';
import { liveTargetsOf } from '../../src/render/layout.js';
import { loadCrdValidator, schemaSetOf } from '../../src/validate/crds.js';
import { validateKongObject } from '../../src/validate/kong.js';
import { validateKubernetesObject } from '../../src/validate/kubernetes.js';
import { walkthroughs } from '../../src/walkthroughs/index.js';
import { describeWithCrds } from '../crd-schemas.js';
import { checkTemplate, specDatabase } from '../ecs/cfn-spec.js';
import { cloudFormation, kubernetesObjects, RENDERERS, type Obj } from './rendered.js';

const rendered = walkthroughs.flatMap((w) => liveTargetsOf(w).flatMap((target) => RENDERERS[target](w)));
const objects = kubernetesObjects(rendered);
const label = (o: Obj) => `${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;

describe("Kubernetes' own kinds", () => {
  const builtins = objects.filter(({ object }) => !schemaSetOf(String(object.apiVersion)) && !String(object.apiVersion).startsWith('configuration.konghq.com'));

  it.each(builtins.map(({ file, object }) => [`${file}: ${label(object)}`, object] as const))('%s is valid', (_name, object) => {
    expect(validateKubernetesObject(object)).toEqual([]);
  });

  it('hardens every container: non-root, no privilege escalation, no capabilities, a read-only root, requests and limits', () => {
    for (const { object } of builtins.filter((b) => b.object.kind === 'Deployment')) {
      const pod = (object as { spec: { template: { spec: Record<string, unknown> } } }).spec.template.spec;
      expect(pod.securityContext, label(object)).toMatchObject({ seccompProfile: { type: 'RuntimeDefault' } });
      for (const c of pod.containers as { name: string; securityContext: Record<string, unknown>; resources: Record<string, unknown> }[]) {
        expect(c.securityContext, `${label(object)} ${c.name}`).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true });
        expect(c.resources, `${label(object)} ${c.name}`).toMatchObject({ requests: { cpu: expect.any(String), memory: expect.any(String) }, limits: { memory: expect.any(String) } });
      }
    }
  });

  it('renders no App Mesh object and no App Mesh sidecar for the live targets', () => {
    expect(objects.filter(({ object }) => String(object.apiVersion).startsWith('appmesh.k8s.aws'))).toEqual([]);
    const text = JSON.stringify(objects);
    expect(text).not.toContain('aws-appmesh-envoy');
    expect(text).not.toContain('appmesh.k8s.aws/sidecarInjectorWebhook');
    expect(text).not.toContain('xray-daemon');
  });
});

const LIVE_TARGET_SETS = ['istio-crds', 'gateway-api-crds', 'lattice-crds'] as const;

describeWithCrds('CRDs of the live targets', LIVE_TARGET_SETS, (schemasDirectory) => {
  const crds = loadCrdValidator(schemasDirectory, LIVE_TARGET_SETS);
  const custom = objects.filter(({ object }) => schemaSetOf(String(object.apiVersion)));

  it('covers every kind the targets render', () => {
    expect(new Set(custom.map(({ object }) => `${object.apiVersion}/${object.kind}`))).toEqual(
      new Set([
        'networking.istio.io/v1/VirtualService',
        'networking.istio.io/v1/DestinationRule',
        'networking.istio.io/v1/Gateway',
        'networking.istio.io/v1/Sidecar',
        'security.istio.io/v1/PeerAuthentication',
        'telemetry.istio.io/v1/Telemetry',
        'gateway.networking.k8s.io/v1/Gateway',
        'gateway.networking.k8s.io/v1/HTTPRoute',
        'application-networking.k8s.aws/v1alpha1/ServiceNetwork',
        'application-networking.k8s.aws/v1alpha1/VpcAssociationPolicy',
        'application-networking.k8s.aws/v1alpha1/TargetGroupPolicy',
        'application-networking.k8s.aws/v1alpha1/IAMAuthPolicy',
        'application-networking.k8s.aws/v1alpha1/AccessLogPolicy',
      ]),
    );
  });

  it.each(custom.map(({ file, object }) => [`${file}: ${label(object)}`, object] as const))('%s is valid', (_name, object) => {
    expect(crds.validate(object)).toEqual([]);
  });

  it('refuses a misspelt field, a header match type the standard channel lacks, and an out-of-range health check', () => {
    const vs = structuredClone(custom.find(({ object }) => object.kind === 'VirtualService')!.object) as { spec: Record<string, unknown> };
    vs.spec.htp = vs.spec.http;
    expect(crds.validate(vs).join('\n')).toMatch(/must NOT have additional properties: htp/);
    const route = structuredClone(custom.find(({ object }) => object.kind === 'HTTPRoute' && JSON.stringify(object).includes('"headers"'))!.object) as {
      spec: { rules: { matches: { headers: { type: string }[] }[] }[] };
    };
    route.spec.rules.find((r) => r.matches[0]?.headers)!.matches[0]!.headers[0]!.type = 'Prefix';
    expect(crds.validate(route).join('\n')).toMatch(/type must be equal to one of the allowed values/);
    const policy = structuredClone(custom.find(({ object }) => object.kind === 'TargetGroupPolicy')!.object) as { spec: { healthCheck: { intervalSeconds: number } } };
    policy.spec.healthCheck.intervalSeconds = 1;
    expect(crds.validate(policy).join('\n')).toMatch(/intervalSeconds must be >= 5/);
  });
});

describe('Kong objects on the live targets', () => {
  it('are valid', () => {
    const kong = objects.filter(({ object }) => String(object.apiVersion).startsWith('configuration.konghq.com'));
    expect(kong.length).toBeGreaterThan(0);
    for (const { object } of kong) expect(validateKongObject(object), label(object)).toEqual([]);
  });
});

describe('CloudFormation of the live targets', () => {
  const templates = cloudFormation(rendered);

  it('holds the Lattice DNS, access-log and shared-network stacks, the Istio peering stacks and the Service Connect stacks', () => {
    expect(templates.map((t) => t.file).filter((f) => /service-connect|lattice\/(frontend\/)?cloudformation\/(dns|access-logs|service-network)/.test(f)).length).toBeGreaterThanOrEqual(7);
  });

  it.each(templates.map((t) => [t.file, t.template] as const))('%s passes the resource specification', async (_file, template) => {
    expect(checkTemplate(await specDatabase(), template)).toEqual([]);
  });
});
