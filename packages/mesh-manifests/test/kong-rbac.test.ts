/**
 * Kong's ingress controller may do what its pinned version needs, wherever a target renders it.
 * The list below is written from the controller's published RBAC for 3.5 (not from the renderer):
 * an informer whose kind cannot be listed and watched never syncs and the pod restarts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { THIRD_PARTY_IMAGES } from '../src/model/components.js';
import { repositoryRoot as repoRoot } from '../src/cli/context.js';
import { yamlFiles } from '../src/validate/yaml-files.js';

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
}
type Obj = { kind?: string; metadata?: { name?: string; namespace?: string }; rules?: Rule[]; roleRef?: { kind: string; name: string }; subjects?: { kind: string; name: string; namespace?: string }[] } & Record<string, unknown>;

const WATCH = ['list', 'watch'];
const READ = ['get', 'list', 'watch'];
const STATUS = ['get', 'patch', 'update'];
const kongKinds = ['kongclusterplugins', 'kongconsumergroups', 'kongconsumers', 'kongcustomentities', 'kongingresses', 'konglicenses', 'kongplugins', 'kongupstreampolicies', 'kongvaults', 'tcpingresses', 'udpingresses'];
const gatewayKinds = ['backendtlspolicies', 'gatewayclasses', 'gateways', 'grpcroutes', 'httproutes', 'referencegrants', 'tcproutes', 'tlsroutes', 'udproutes'];

/** [apiGroup, resource, verbs] the 3.5 controller needs cluster-wide. */
const CLUSTER_NEEDS: [string, string, string[]][] = [
  ['', 'configmaps', WATCH],
  ['', 'nodes', WATCH],
  ['', 'pods', READ],
  ['', 'services', READ],
  ['', 'secrets', [...READ, 'create', 'update']],
  ['', 'services/status', STATUS],
  ['', 'events', ['create', 'patch']],
  ['discovery.k8s.io', 'endpointslices', READ],
  ['networking.k8s.io', 'ingresses', READ],
  ['networking.k8s.io', 'ingressclasses', READ],
  ['networking.k8s.io', 'ingresses/status', STATUS],
  ['apiextensions.k8s.io', 'customresourcedefinitions', WATCH],
  ['configuration.konghq.com', 'ingressclassparameterses', READ],
  ...kongKinds.flatMap((kind): [string, string, string[]][] => [['configuration.konghq.com', kind, READ], ['configuration.konghq.com', `${kind}/status`, STATUS]]),
  ['incubator.ingress-controller.konghq.com', 'kongservicefacades', READ],
  ['incubator.ingress-controller.konghq.com', 'kongservicefacades/status', STATUS],
  ...gatewayKinds.map((kind): [string, string, string[]] => ['gateway.networking.k8s.io', kind, READ]),
  ['gateway.networking.k8s.io', 'gateways', ['update']],
  ['gateway.networking.k8s.io', 'httproutes/status', ['get', 'update']],
  ['gateway.networking.k8s.io', 'gateways/status', ['get', 'update']],
];
const NAMESPACE_NEEDS: [string, string, string[]][] = [['coordination.k8s.io', 'leases', [...READ, 'create', 'update']]];

/** Every rendered folder tree (a walkthrough on one target) that runs Kong's controller. */
function kongTargets(): { folder: string; objects: Obj[] }[] {
  const root = join(repoRoot(), 'k8s');
  return readdirSync(root).flatMap((walkthrough) =>
    readdirSync(join(root, walkthrough)).map((target) => {
      const folder = join(root, walkthrough, target);
      const objects = yamlFiles(folder).filter((file) => !file.endsWith('kustomization.yaml')).flatMap((file) => parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as Obj)).filter(Boolean);
      return { folder: relative(repoRoot(), folder), objects };
    }),
  ).filter(({ objects }) => objects.some((o) => o.kind === 'Deployment' && JSON.stringify(o).includes(THIRD_PARTY_IMAGES['kong-ingress-controller'])));
}

function allows(rules: Rule[], group: string, resource: string, verb: string): boolean {
  return rules.some(
    (r) => (r.apiGroups ?? []).some((g) => g === group || g === '*') && (r.resources ?? []).some((x) => x === resource || x === '*') && (r.verbs ?? []).some((v) => v === verb || v === '*'),
  );
}

function controllerAccount(objects: Obj[]): { name: string; namespace: string } {
  const deployment = objects.find((o) => o.kind === 'Deployment' && JSON.stringify(o).includes(THIRD_PARTY_IMAGES['kong-ingress-controller']))!;
  const spec = (deployment.spec as { template: { spec: { serviceAccountName?: string } } }).template.spec;
  return { name: spec.serviceAccountName ?? 'default', namespace: deployment.metadata!.namespace! };
}

function rulesBound(objects: Obj[], account: { name: string; namespace: string }, binding: 'ClusterRoleBinding' | 'RoleBinding'): Rule[] {
  const roleKind = binding === 'ClusterRoleBinding' ? 'ClusterRole' : 'Role';
  return objects
    .filter((o) => o.kind === binding && (binding === 'ClusterRoleBinding' || o.metadata?.namespace === account.namespace))
    .filter((o) => o.subjects?.some((s) => s.kind === 'ServiceAccount' && s.name === account.name && s.namespace === account.namespace))
    .flatMap((b) => objects.filter((o) => o.kind === roleKind && o.metadata?.name === b.roleRef?.name && (roleKind === 'ClusterRole' || o.metadata?.namespace === account.namespace)))
    .flatMap((role) => role.rules ?? []);
}

const targets = kongTargets();

describe('Kong ingress controller RBAC', () => {
  it('is rendered by the walkthroughs that run Kong, on every Kubernetes target that runs it', () => {
    expect(targets.map((t) => t.folder)).toEqual(expect.arrayContaining(['k8s/dj-kong-ingress/appmesh', 'k8s/dj-kong-ingress/istio']));
  });

  it('pins the controller to a 3.5 patch release, the version the list here was written for', () => {
    expect(THIRD_PARTY_IMAGES['kong-ingress-controller']).toMatch(/:3\.5\.\d+$/);
  });

  describe.each(targets)('$folder', ({ objects }) => {
    const account = controllerAccount(objects);
    const cluster = rulesBound(objects, account, 'ClusterRoleBinding');
    const namespaced = rulesBound(objects, account, 'RoleBinding');

    it.each(CLUSTER_NEEDS)('may %s/%s: %j cluster-wide', (group, resource, verbs) => {
      const missing = verbs.filter((verb) => !allows(cluster, group, resource, verb));
      expect(missing, `${group || 'core'}/${resource}`).toEqual([]);
    });

    it.each(NAMESPACE_NEEDS)('may %s/%s: %j in its own namespace', (group, resource, verbs) => {
      const missing = verbs.filter((verb) => !allows([...namespaced, ...cluster], group, resource, verb));
      expect(missing, `${group}/${resource}`).toEqual([]);
    });

    it('gets no wildcard and no write access beyond statuses, events, its lease and Secrets', () => {
      const writes = cluster.flatMap((r) => (r.verbs ?? []).filter((v) => !READ.includes(v)).flatMap((v) => (r.resources ?? []).map((res) => `${res}:${v}`)));
      const unexpected = writes.filter((w) => !/\/status:|^events:|^secrets:(create|update)$|^gateways:update$/.test(w));
      expect(unexpected).toEqual([]);
      expect(cluster.some((r) => r.resources?.includes('*') || r.verbs?.includes('*'))).toBe(false);
    });
  });
});
