/** Facts about kinds the lint needs: which are cluster-scoped, which are App Mesh's. */

const CLUSTER_SCOPED = new Set([
  'Namespace',
  'Mesh',
  'Node',
  'PersistentVolume',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'StorageClass',
  'IngressClass',
  'PriorityClass',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'APIService',
  'KongClusterPlugin',
]);

export function isClusterScoped(kind: string): boolean {
  return CLUSTER_SCOPED.has(kind);
}

/** Namespaced App Mesh kinds: a namespace holding any of them must belong to exactly one mesh. */
export const MESH_MEMBER_KINDS = ['VirtualNode', 'VirtualService', 'VirtualRouter', 'VirtualGateway', 'GatewayRoute', 'BackendGroup'] as const;

export const APPMESH_GROUP = 'appmesh.k8s.aws';

export function isAppMeshKind(apiVersion: string | undefined): boolean {
  return typeof apiVersion === 'string' && apiVersion.startsWith(`${APPMESH_GROUP}/`);
}

/** The annotation and namespace label the App Mesh injector reads (same key for both). */
export const SIDECAR_INJECTOR_KEY = 'appmesh.k8s.aws/sidecarInjectorWebhook';
/** Pod annotation that keeps a gateway pod's own Envoy image. */
export const GATEWAY_SKIP_IMAGE_OVERRIDE = 'appmesh.k8s.aws/virtualGatewaySkipImageOverride';
