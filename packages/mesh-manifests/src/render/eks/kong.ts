/**
 * What Kong's ingress controller needs from the cluster besides its Deployment: read access to the
 * objects it turns into Kong configuration, write access to their status and to its leader-election
 * lease, and the IngressClass `kong` that Ingresses name.
 */
import type { Workload } from '../../model/workload.js';
import type { EmittedObject } from './output.js';

const READ = ['get', 'list', 'watch'];

export function kongClusterObjects(workload: Workload): EmittedObject[] {
  const account = workload.spec.serviceAccountName;
  if (!account) throw new Error(`Kong workload ${workload.metadata.name} needs a serviceAccountName for its RBAC`);
  const name = `${workload.metadata.name}-ingress-controller`;
  return [
    {
      file: 'kong.yaml',
      object: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name },
        rules: [
          { apiGroups: [''], resources: ['endpoints', 'namespaces', 'nodes', 'pods', 'secrets', 'services'], verbs: READ },
          { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
          { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: READ },
          { apiGroups: ['networking.k8s.io'], resources: ['ingressclasses', 'ingresses'], verbs: READ },
          { apiGroups: ['networking.k8s.io'], resources: ['ingresses/status'], verbs: ['get', 'patch', 'update'] },
          { apiGroups: ['configuration.konghq.com'], resources: ['*'], verbs: READ },
          { apiGroups: ['configuration.konghq.com'], resources: ['*/status'], verbs: ['get', 'patch', 'update'] },
          { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: READ },
          { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: [...READ, 'create', 'update', 'patch', 'delete'] },
        ],
      },
      comment: 'What Kong’s ingress controller reads (Ingresses, Services, endpoints, Secrets, Kong’s CRDs) and writes (statuses, its lease).',
    },
    {
      file: 'kong.yaml',
      object: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
        subjects: [{ kind: 'ServiceAccount', name: account, namespace: workload.metadata.namespace }],
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
