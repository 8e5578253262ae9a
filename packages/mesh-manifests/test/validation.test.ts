/**
 * Every rendered Kubernetes object passes Kubernetes' schemas, every App Mesh object (EKS and ECS,
 * at every step) passes the controller's CRDs, every Kong object passes our Kong schema. Each
 * validator is also shown to reject a broken object, so a pass means something. The CRD tests need
 * the CRDs on disk (crd-schemas.ts): under CI they fail without them, elsewhere they skip, saying why.
 */
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { isAppMeshResource } from '../src/model/appmesh.js';
import { allResources, stateAt } from '../src/model/state.js';
import { renderEks } from '../src/render/eks/index.js';
import { loadAppMeshValidator } from '../src/validate/appmesh-crds.js';
import { validateKongCredentials, validateKongObject } from '../src/validate/kong.js';
import { validateKubernetesObject } from '../src/validate/kubernetes.js';
import { walkthroughs } from '../src/walkthroughs/index.js';
import { describeWithCrds } from './crd-schemas.js';

type Obj = { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } } & Record<string, unknown>;

const rendered = walkthroughs.flatMap((w) =>
  renderEks(w)
    .filter((f) => !f.path.includes('/cloudformation/') && !f.path.endsWith('kustomization.yaml') && f.path.endsWith('.yaml'))
    .flatMap((f) => parseAllDocuments(f.content).map((d) => ({ file: f.path, object: d.toJS() as Obj }))),
);
const label = (o: Obj) => `${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;

describe("Kubernetes' own schemas", () => {
  const builtins = rendered.filter(({ object }) => !object.apiVersion?.includes('appmesh.k8s.aws') && !object.apiVersion?.includes('konghq.com'));

  it('renders Deployments, a DaemonSet, Services, Namespaces, ServiceAccounts, an Ingress, RBAC and a Secret', () => {
    expect(new Set(builtins.map(({ object }) => object.kind))).toEqual(
      new Set(['Deployment', 'DaemonSet', 'Service', 'Namespace', 'ServiceAccount', 'Ingress', 'IngressClass', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'Secret']),
    );
  });

  it.each(builtins.map(({ file, object }) => [`${file}: ${label(object)}`, object] as const))('%s is valid', (_name, object) => {
    expect(validateKubernetesObject(object)).toEqual([]);
  });

  it('rejects a Deployment whose container port is not a number', () => {
    const deployment = structuredClone(builtins.find(({ object }) => object.kind === 'Deployment' && JSON.stringify(object).includes('containerPort'))!.object) as {
      spec: { template: { spec: { containers: { ports: { containerPort: unknown }[] }[] } } };
    };
    deployment.spec.template.spec.containers[0]!.ports[0]!.containerPort = 'eighty';
    expect(validateKubernetesObject(deployment).join('\n')).toMatch(/containerPort must be integer/);
  });

  it('hardens every container', () => {
    for (const { object } of builtins.filter((b) => b.object.kind === 'Deployment')) {
      const pod = (object as { spec: { template: { spec: Record<string, unknown> } } }).spec.template.spec;
      expect(pod.securityContext, label(object)).toMatchObject({ seccompProfile: { type: 'RuntimeDefault' } });
      for (const c of pod.containers as { name: string; securityContext: Record<string, unknown>; resources: Record<string, unknown> }[]) {
        expect(c.securityContext, `${label(object)} ${c.name}`).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
        expect(c.resources).toMatchObject({ requests: { cpu: expect.any(String), memory: expect.any(String) }, limits: { memory: expect.any(String) } });
        // The CloudWatch agent writes its translated configuration; the file says so above the container.
        if (c.name !== 'cloudwatch-agent') expect(c.securityContext.readOnlyRootFilesystem, `${label(object)} ${c.name}`).toBe(true);
        expect(c.securityContext.runAsUser).not.toBe(0);
      }
    }
  });
});

describeWithCrds('App Mesh CRD schemas', ['appmesh-crds'], (schemasDirectory) => {
  const validator = loadAppMeshValidator(schemasDirectory);
  const everyStep = walkthroughs.flatMap((w) =>
    w.steps.flatMap((step) =>
      allResources(stateAt(w, step.name))
        .filter(isAppMeshResource)
        .map((r) => [`${w.name}@${step.name}: ${r.kind} ${r.metadata.namespace ?? ''}/${r.metadata.name}`, r] as const),
    ),
  );

  it.each(everyStep)('%s is valid', (_name, resource) => {
    expect(validator.validate(resource)).toEqual([]);
  });

  it('validates the rendered App Mesh objects too', () => {
    const meshObjects = rendered.filter(({ object }) => object.apiVersion === 'appmesh.k8s.aws/v1beta2');
    expect(meshObjects.length).toBeGreaterThan(20);
    for (const { object } of meshObjects) expect(validator.validate(object), label(object)).toEqual([]);
  });

  it('rejects a weight over 100, a health check interval under 5000 ms, and a field the CRD does not know', () => {
    const router = structuredClone(everyStep.find(([, r]) => r.kind === 'VirtualRouter')![1]) as { spec: { routes: { httpRoute: { action: { weightedTargets: { weight: number }[] } } }[] } };
    router.spec.routes[0]!.httpRoute.action.weightedTargets[0]!.weight = 101;
    expect(validator.validate(router).join('\n')).toMatch(/weight must be <= 100/);

    const node = structuredClone(everyStep.find(([, r]) => r.kind === 'VirtualNode' && JSON.stringify(r).includes('healthCheck'))![1]) as {
      spec: { listeners: { healthCheck: { intervalMillis: number } }[] };
    };
    node.spec.listeners[0]!.healthCheck.intervalMillis = 1000;
    expect(validator.validate(node).join('\n')).toMatch(/intervalMillis must be >= 5000/);

    const service = structuredClone(everyStep.find(([, r]) => r.kind === 'VirtualService')![1]) as unknown as { spec: Record<string, unknown> };
    service.spec.provder = {};
    expect(validator.validate(service).join('\n')).toMatch(/must NOT have additional properties: provder/);
  });
});

describe('Kong objects (our own small schema)', () => {
  const kong = rendered.filter(({ object }) => object.apiVersion === 'configuration.konghq.com/v1');

  it('renders two KongPlugins and a KongConsumer, all valid', () => {
    expect(kong.map(({ object }) => object.kind).sort()).toEqual(['KongConsumer', 'KongPlugin', 'KongPlugin']);
    for (const { object } of kong) expect(validateKongObject(object), label(object)).toEqual([]);
  });

  it('finds the consumer’s credential Secret, labelled for key-auth', () => {
    const step = walkthroughs.find((w) => w.name === 'dj-kong-ingress')!;
    expect(validateKongCredentials(allResources(stateAt(step)))).toEqual([]);
  });

  it('rejects a plugin without `plugin`, a consumer without the ingress class, and a credential Secret without its label', () => {
    expect(validateKongObject({ apiVersion: 'configuration.konghq.com/v1', kind: 'KongPlugin', metadata: { name: 'x', namespace: 'prod' } })).toEqual([
      "/ must have required property 'plugin'",
    ]);
    const consumer = { apiVersion: 'configuration.konghq.com/v1', kind: 'KongConsumer', metadata: { name: 'c', namespace: 'prod' }, username: 'c', credentials: ['key'] };
    expect(validateKongObject(consumer).join()).toMatch(/annotations/);
    expect(validateKongCredentials([consumer, { kind: 'Secret', metadata: { name: 'key', namespace: 'prod' }, stringData: { key: 'k' } }])).toEqual([
      'Secret key lacks the label konghq.com/credential naming its plugin (e.g. key-auth)',
    ]);
    expect(validateKongCredentials([consumer])[0]).toMatch(/no Secret key is in namespace prod/);
  });
});
