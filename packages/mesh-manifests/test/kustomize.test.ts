/**
 * `kubectl kustomize` builds every rendered folder (the starting state, each step, each cluster),
 * and the one settings file really changes the images, role ARNs, mesh owner and cross-account ARN.
 * Needs kubectl on PATH (Debian's kubernetes-client), and the CRDs on disk to check the built
 * custom resources (crd-schemas.ts); under CI a missing kubectl or CRD set is a failure.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderEks } from '../src/render/eks/index.js';
import { renderIstio } from '../src/render/istio/index.js';
import { renderLattice } from '../src/render/lattice/index.js';
import { loadCrdValidator, schemaSetOf } from '../src/validate/crds.js';
import { validateKubernetesObject } from '../src/validate/kubernetes.js';
import { walkthroughs } from '../src/walkthroughs/index.js';
import { reportMissingSchemas, testSchemas } from './crd-schemas.js';

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
const inCi = process.env.CI === 'true';

describe('kubectl on PATH', () => {
  it.runIf(inCi)('is installed in CI (Debian package kubernetes-client)', () => {
    expect(kubectl).toBe(true);
  });
});

const files = walkthroughs.flatMap((w) => [...renderEks(w), ...renderIstio(w), ...renderLattice(w)]);
const folders = files.filter((f) => f.path.endsWith('/kustomization.yaml') && !f.path.includes('/settings/')).map((f) => dirname(f.path));

function build(root: string, folder: string): { status: number | null; stdout: string; stderr: string } {
  return spawnSync('kubectl', ['kustomize', join(root, folder)], { encoding: 'utf8' });
}

type Obj = { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> } } & Record<string, unknown>;

describe.skipIf(!kubectl)(`kubectl kustomize${kubectl ? '' : ' (skipped: kubectl not on PATH; install Debian’s kubernetes-client)'}`, () => {
  let root: string;
  // Without the CRDs the built custom resources go unchecked here; CI fails on that, elsewhere a skipped test says so.
  const schemas = testSchemas();
  if (schemas.missing.length) reportMissingSchemas('CRD checks of the built objects', schemas);
  const crds = schemas.missing.length ? undefined : loadCrdValidator(schemas.directory);
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'mesh-kustomize-'));
    for (const file of files) {
      mkdirSync(dirname(join(root, file.path)), { recursive: true });
      writeFileSync(join(root, file.path), file.content);
    }
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('finds a folder per walkthrough, step and cluster', () => {
    expect(folders).toEqual(
      expect.arrayContaining([
        'k8s/mesh-basics/appmesh',
        'k8s/ingress-gateway-eks/appmesh',
        'k8s/dj-kong-ingress/appmesh',
        'k8s/dj-kong-ingress/appmesh/steps/1-canary',
        'k8s/dj-kong-ingress/appmesh/steps/4-key-auth',
        'k8s/yelb-multi-account/appmesh/frontend',
        'k8s/yelb-multi-account/appmesh/backend',
        'k8s/yelb-canary-observability/appmesh/steps/2-promote',
        'k8s/mesh-basics/istio',
        'k8s/dj-kong-ingress/istio/steps/2-kong-ingress',
        'k8s/yelb-multi-account/istio/frontend',
        'k8s/yelb-multi-account/lattice/backend',
        'k8s/ingress-gateway-eks/lattice',
        'k8s/yelb-canary-observability/lattice/steps/1-canary',
      ]),
    );
  });

  it('carries the account and region into the Lattice auth policies and access logs, and the region into the Istio collector', () => {
    const backend = 'k8s/yelb-multi-account/lattice/backend';
    writeFileSync(join(root, backend, 'settings/settings.env'), 'AWS_REGION=eu-central-1\nAWS_ACCOUNT_ID=999900001111\nIMAGE_REGISTRY=registry.example.com/team\nFRONTEND_ACCOUNT_ID=888800002222\n');
    const built = build(root, backend);
    expect(built.status).toBe(0);
    const policy = parseAllDocuments(built.stdout).map((d) => d.toJS() as Obj & { spec: { policy?: string } }).find((o) => o.kind === 'IAMAuthPolicy')!;
    expect(JSON.parse(policy.spec.policy!).Statement[0].Condition.StringEquals['vpc-lattice-svcs:SourceVpcOwnerAccount']).toEqual(['888800002222']);
    expect(built.stdout).toContain('image: registry.example.com/team/amw/yelb-appserver:latest');

    const canary = 'k8s/yelb-canary-observability/lattice';
    writeFileSync(join(root, canary, 'settings/settings.env'), 'AWS_REGION=eu-west-3\nAWS_ACCOUNT_ID=777700003333\nIMAGE_REGISTRY=ghcr.io/learner\n');
    const logs = build(root, canary);
    expect(logs.status).toBe(0);
    expect(logs.stdout).toContain('destinationArn: arn:aws:logs:eu-west-3:777700003333:log-group:/amw/yelb-canary-observability/lattice');

    const istio = 'k8s/yelb-canary-observability/istio';
    writeFileSync(join(root, istio, 'settings/settings.env'), 'AWS_REGION=ap-northeast-1\nAWS_ACCOUNT_ID=666600004444\nIMAGE_REGISTRY=ghcr.io/learner\n');
    const collector = build(root, istio);
    expect(collector.status).toBe(0);
    expect(collector.stdout).toMatch(/name: AWS_REGION\n\s+value: ap-northeast-1/);
    expect(collector.stdout).toContain('eks.amazonaws.com/role-arn: arn:aws:iam::666600004444:role/yelb-canary-observability-adot-collector');
    expect(collector.stdout).not.toContain('111122223333');
  });

  it.each(folders)('builds %s into valid objects, without the settings ConfigMap', (folder) => {
    const result = build(root, folder);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const objects = parseAllDocuments(result.stdout).map((d) => d.toJS() as Obj);
    expect(objects.length).toBeGreaterThan(0);
    expect(objects.some((o) => o.kind === 'ConfigMap' && o.metadata?.name === 'walkthrough-settings')).toBe(false);
    for (const object of objects) {
      const set = schemaSetOf(String(object.apiVersion));
      if (set) {
        if (crds?.sets.includes(set)) expect(crds.validate(object), `${object.kind} ${object.metadata?.name}`).toEqual([]);
      } else if (!object.apiVersion?.startsWith('configuration.konghq.com')) {
        expect(validateKubernetesObject(object), `${object.kind} ${object.metadata?.name}`).toEqual([]);
      }
    }
  });

  it('carries a learner’s registry, account, region and mesh owner into every object that needs them', () => {
    const frontend = 'k8s/yelb-multi-account/appmesh/frontend';
    writeFileSync(
      join(root, frontend, 'settings/settings.env'),
      'AWS_REGION=eu-central-1\nAWS_ACCOUNT_ID=999900001111\nIMAGE_REGISTRY=registry.example.com/team\nMESH_OWNER_ACCOUNT_ID=999900001111\n',
    );
    const result = build(root, frontend);
    expect(result.status).toBe(0);
    const objects = parseAllDocuments(result.stdout).map((d) => d.toJS() as Obj & { spec: Record<string, unknown> });
    const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
    expect(JSON.stringify(byKind('Deployment'))).toContain('"image":"registry.example.com/team/amw/yelb-ui:latest"');
    expect(byKind('ServiceAccount')[0]!.metadata!.annotations!['eks.amazonaws.com/role-arn']).toBe('arn:aws:iam::999900001111:role/yelb-multi-account-frontend-proxyauth');
    expect(byKind('Mesh')[0]!.spec.meshOwner).toBe('999900001111');
    expect(JSON.stringify(byKind('VirtualNode'))).toContain(
      'arn:aws:appmesh:eu-central-1:999900001111:mesh/am-multi-account-mesh/virtualService/yelb-appserver',
    );
    expect(result.stdout).not.toContain('111122223333');
  });

  it('applies the same settings to a step folder', () => {
    const folder = 'k8s/dj-kong-ingress/appmesh';
    writeFileSync(join(root, folder, 'settings/settings.env'), 'AWS_REGION=eu-west-1\nAWS_ACCOUNT_ID=222233334444\nIMAGE_REGISTRY=ghcr.io/learner\n');
    const step = build(root, `${folder}/steps/1-canary`);
    expect(step.status).toBe(0);
    expect(step.stdout).toContain('image: ghcr.io/learner/amw/music:latest');
    expect(step.stdout).not.toContain('111122223333');
  });
});
