/**
 * What Kong's ingress controller needs from the cluster besides its Deployment: the permissions of
 * its pinned version, its leader-election lease in its own namespace, and the IngressClass `kong`
 * that Ingresses name.
 */
import type { Workload } from '../../model/workload.js';
import type { EmittedObject } from './output.js';

interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

const READ = ['get', 'list', 'watch'];
const STATUS = ['get', 'patch', 'update'];
const KONG_GROUP = 'configuration.konghq.com';
const GATEWAY_GROUP = 'gateway.networking.k8s.io';

/** Kong's own kinds the controller reads; those that report back also get their status written. */
const KONG_KINDS_WITH_STATUS = [
  'kongclusterplugins', 'kongconsumergroups', 'kongconsumers', 'kongcustomentities', 'kongingresses',
  'konglicenses', 'kongplugins', 'kongupstreampolicies', 'kongvaults', 'tcpingresses', 'udpingresses',
];

/**
 * The cluster-wide permissions of the Kong Ingress Controller 3.5 (the same for every 3.5.x): its
 * informers start for each kind below and its cache never syncs — the pod is restarted — when one
 * of them cannot be listed and watched. ConfigMaps and Nodes are watched even when nothing here
 * uses them. The Gateway API kinds are read only on clusters that have their CRDs (the controller
 * looks for them at start), so granting them costs nothing elsewhere and keeps the controller
 * running where they are installed — on an EKS cluster that also runs the Lattice controller, say.
 */
export const KONG_INGRESS_CONTROLLER_RULES: readonly PolicyRule[] = [
  { apiGroups: [''], resources: ['configmaps', 'nodes'], verbs: ['list', 'watch'] },
  { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
  { apiGroups: [''], resources: ['namespaces', 'pods', 'services'], verbs: READ },
  // Kong writes the certificates it generates for Konnect and its admin API client into Secrets.
  { apiGroups: [''], resources: ['secrets'], verbs: ['create', 'get', 'list', 'update', 'watch'] },
  // The published Service (CONTROLLER_PUBLISH_SERVICE) gets the load balancer's address.
  { apiGroups: [''], resources: ['services/status'], verbs: STATUS },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: READ },
  { apiGroups: ['networking.k8s.io'], resources: ['ingressclasses', 'ingresses'], verbs: READ },
  { apiGroups: ['networking.k8s.io'], resources: ['ingresses/status'], verbs: STATUS },
  { apiGroups: [KONG_GROUP], resources: ['ingressclassparameterses', ...KONG_KINDS_WITH_STATUS], verbs: READ },
  { apiGroups: [KONG_GROUP], resources: KONG_KINDS_WITH_STATUS.map((kind) => `${kind}/status`), verbs: STATUS },
  { apiGroups: ['incubator.ingress-controller.konghq.com'], resources: ['kongservicefacades'], verbs: READ },
  { apiGroups: ['incubator.ingress-controller.konghq.com'], resources: ['kongservicefacades/status'], verbs: STATUS },
  // Which of Kong's optional kinds are installed decides which informers start.
  { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['list', 'watch'] },
  {
    apiGroups: [GATEWAY_GROUP],
    resources: ['backendtlspolicies', 'gatewayclasses', 'grpcroutes', 'httproutes', 'referencegrants', 'tcproutes', 'tlsroutes', 'udproutes'],
    verbs: READ,
  },
  { apiGroups: [GATEWAY_GROUP], resources: ['gateways'], verbs: [...READ, 'update'] },
  { apiGroups: [GATEWAY_GROUP], resources: ['backendtlspolicies/status', 'grpcroutes/status'], verbs: STATUS },
  {
    apiGroups: [GATEWAY_GROUP],
    resources: ['gatewayclasses/status', 'gateways/status', 'httproutes/status', 'tcproutes/status', 'tlsroutes/status', 'udproutes/status'],
    verbs: ['get', 'update'],
  },
  { apiGroups: [GATEWAY_GROUP], resources: ['referencegrants/status'], verbs: ['get'] },
];

/** Leader election runs even with one replica; its lease lives in the controller's namespace. */
const LEADER_ELECTION_RULES: readonly PolicyRule[] = [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: [...READ, 'create', 'update', 'patch', 'delete'] },
  { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
];

export function kongClusterObjects(workload: Workload): EmittedObject[] {
  const account = workload.spec.serviceAccountName;
  if (!account) throw new Error(`Kong workload ${workload.metadata.name} needs a serviceAccountName for its RBAC`);
  const { namespace } = workload.metadata;
  const name = `${workload.metadata.name}-ingress-controller`;
  const subjects = [{ kind: 'ServiceAccount', name: account, namespace }];
  const clone = (rules: readonly PolicyRule[]) => rules.map((rule) => ({ apiGroups: [...rule.apiGroups], resources: [...rule.resources], verbs: [...rule.verbs] }));
  return [
    {
      file: 'kong.yaml',
      object: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, rules: clone(KONG_INGRESS_CONTROLLER_RULES) },
      comment:
        'What Kong’s ingress controller 3.5 lists and watches (its cache does not sync, and the pod restarts, if one is missing) and the statuses it writes; the Gateway API kinds are read only where their CRDs are installed.',
    },
    {
      file: 'kong.yaml',
      object: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
        subjects,
      },
    },
    {
      file: 'kong.yaml',
      object: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: `${name}-leader-election`, namespace }, rules: clone(LEADER_ELECTION_RULES) },
      comment: 'Its leader-election lease, in its own namespace only.',
    },
    {
      file: 'kong.yaml',
      object: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: `${name}-leader-election`, namespace },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${name}-leader-election` },
        subjects,
      },
    },
    {
      file: 'kong.yaml',
      object: {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'IngressClass',
        metadata: { name: 'kong' },
        spec: { controller: 'ingress-controllers.konghq.com/kong' },
      },
      comment: 'Ingresses with `ingressClassName: kong` are Kong’s.',
    },
  ];
}
