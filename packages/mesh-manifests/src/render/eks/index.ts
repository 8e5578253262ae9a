/**
 * EKS renderer: a walkthrough → `k8s/<walkthrough>/appmesh/` (one folder per cluster when there are
 * several): the starting state as a kustomization, one `steps/<n>-<step>/` kustomization per later
 * step holding only what that step adds or changes (apply them in order), the settings folder, and
 * the CloudFormation for the AWS side.
 */
import type { IamPolicy } from '../../model/aws.js';
import { isAppMeshResource } from '../../model/appmesh.js';
import { K8S } from '../../model/kubernetes.js';
import type { Ingress, KongConsumer, KongPlugin, Secret, Service } from '../../model/kubernetes.js';
import { ofKind, stateAt } from '../../model/state.js';
import type { Cluster, Resource, Walkthrough } from '../../model/walkthrough.js';
import type { RenderedFile } from '../files.js';
import {
  clusterOutputs,
  clusterTemplates,
  renderKubernetesTarget,
  stepFolderOf,
  templateDeployCommand,
  type ClusterOutput,
  type KubernetesTarget,
} from '../kubernetes/target-tree.js';
import { targetFolder } from '../layout.js';
import { cloudMapTemplate, iamTemplate, meshShareTemplate, peeringTemplates, type TemplateFile } from './cloudformation.js';
import { cloudWatchAgentObjects } from './cloudwatch-agent.js';
import { deploymentFor } from './deployment.js';
import { accountId, exampleRegistry, replacementsFor, settingsFor } from './kustomize.js';
import { kongClusterObjects } from './kong.js';
import type { EmittedObject, K8sObject } from './output.js';

const APPMESH_FILES: Record<string, string> = {
  Mesh: 'mesh.yaml',
  VirtualNode: 'virtual-nodes.yaml',
  VirtualService: 'virtual-services.yaml',
  VirtualRouter: 'virtual-routers.yaml',
  VirtualGateway: 'virtual-gateways.yaml',
  GatewayRoute: 'gateway-routes.yaml',
};

/** `k8s/<walkthrough>/appmesh[/<cluster>]`. */
export function clusterFolder(walkthrough: Walkthrough, cluster: Cluster): string {
  return targetFolder(walkthrough, 'appmesh', cluster);
}

export function stepFolder(walkthrough: Walkthrough, cluster: Cluster, stepIndex: number): string {
  return stepFolderOf(walkthrough, 'appmesh', cluster, stepIndex);
}

/** A deep copy typed as the loose Kubernetes object the writer takes. */
function copy(resource: { apiVersion: string; kind: string; metadata: K8sObject['metadata'] }): K8sObject {
  return structuredClone(resource) as unknown as K8sObject;
}

function appMeshComment(resource: Resource): Pick<EmittedObject, 'comment' | 'fields'> {
  if (resource.kind === 'Mesh' && resource.spec.meshOwner) {
    return { fields: [{ path: ['spec', 'meshOwner'], text: 'The account that owns the mesh: MESH_OWNER_ACCOUNT_ID in settings/settings.env.' }] };
  }
  if (resource.kind === 'VirtualNode') {
    const arnIndex = resource.spec.backends?.findIndex((b) => b.virtualService.virtualServiceARN) ?? -1;
    if (arnIndex >= 0) {
      return {
        fields: [
          {
            path: ['spec', 'backends', arnIndex],
            text: 'A virtual service created by another account in the shared mesh, referenced by ARN.\nRegion and mesh owner come from settings/settings.env.',
          },
        ],
      };
    }
  }
  return {};
}

/** Kong's own objects (the Ingress, plugins, consumers and their credential Secrets), which every target applies as they are. */
export function kongObject(resource: Ingress | KongPlugin | KongConsumer | Secret): EmittedObject {
  const file = resource.kind === 'Ingress' ? 'ingress.yaml' : resource.kind === 'KongPlugin' ? 'kong-plugins.yaml' : 'kong-consumers.yaml';
  return { file, object: copy(resource) };
}

function emitResource(walkthrough: Walkthrough, cluster: Cluster, resource: Resource, services: readonly Service[]): EmittedObject[] {
  if (isAppMeshResource(resource)) {
    return [{ file: APPMESH_FILES[resource.kind]!, object: copy(resource), ...appMeshComment(resource) }];
  }
  switch (resource.kind) {
    case 'Namespace':
      return [
        {
          file: 'namespaces.yaml',
          object: copy(resource),
          comment:
            'Selected by the mesh through the `mesh` label; `appmesh.k8s.aws/sidecarInjectorWebhook: enabled` adds Envoy to every pod.\nNo Pod Security Standard is enforced here: the injected `proxyinit` container needs NET_ADMIN.',
        },
      ];
    case 'Workload':
      return [
        deploymentFor(resource, services, exampleRegistry(walkthrough, cluster)),
        ...(resource.spec.component === 'kong' ? kongClusterObjects(resource) : []),
      ];
    case 'Service':
      return [{ file: 'services.yaml', object: copy(resource), ...(resource.spec.selector ? {} : { comment: 'No selector: this Service only gives the virtual service’s name a DNS entry; Envoy routes its traffic.' }) }];
    case 'ServiceAccountRole':
      return [
        {
          file: 'service-accounts.yaml',
          object: {
            apiVersion: 'v1',
            kind: 'ServiceAccount',
            metadata: {
              name: resource.metadata.name,
              namespace: resource.metadata.namespace,
              annotations: { [K8S.irsaAnnotation]: `arn:aws:iam::${accountId(walkthrough, cluster.account)}:role/${resource.spec.roleName}` },
            },
          },
          comment: `Pods running as this account, and the Envoy beside them, assume IAM role ${resource.spec.roleName} (IRSA),\nwhich carries ${resource.spec.policies.join(', ')} from cloudformation/iam.yaml.`,
        },
      ];
    case 'Ingress':
    case 'KongPlugin':
    case 'KongConsumer':
    case 'Secret':
      return [kongObject(resource)];
    case 'IamPolicy':
    case 'ResourceShare':
    case 'CloudMapNamespace':
    case 'VpcPeering':
      return [];
    case 'CertificateAuthority':
      throw new Error(`the EKS renderer does not issue certificates (CertificateAuthority ${resource.metadata.name} in ${walkthrough.name})`);
  }
}

function emitCluster(walkthrough: Walkthrough, cluster: Cluster, resources: readonly Resource[]): ClusterOutput {
  const services = ofKind(resources, 'Service');
  const objects = [
    ...resources.flatMap((r) => emitResource(walkthrough, cluster, r, services)),
    ...cloudWatchAgentObjects(walkthrough, cluster, ofKind(resources, 'Workload')),
  ];
  const templates: TemplateFile[] = [];
  const policies = ofKind(resources, 'IamPolicy') as IamPolicy[];
  if (policies.length) templates.push(iamTemplate(walkthrough, cluster, policies));
  for (const share of ofKind(resources, 'ResourceShare')) templates.push(meshShareTemplate(walkthrough, cluster, share));
  for (const ns of ofKind(resources, 'CloudMapNamespace')) templates.push(cloudMapTemplate(walkthrough, cluster, ns));
  for (const peering of ofKind(resources, 'VpcPeering')) templates.push(...peeringTemplates(walkthrough, peering));
  return { objects, templates };
}

function meshOwnerOf(outputs: readonly ClusterOutput[]): string | undefined {
  for (const output of outputs) {
    for (const { object } of output.objects) {
      const owner = object.kind === 'Mesh' ? (object.spec as { meshOwner?: string }).meshOwner : undefined;
      if (owner) return owner;
    }
  }
  return undefined;
}

/** App Mesh on EKS: the CRDs, the workloads the injector gives an Envoy, and the IAM Envoy needs. */
export const APPMESH_TARGET: KubernetesTarget = {
  target: 'appmesh',
  emit: (walkthrough, cluster, step) => emitCluster(walkthrough, cluster, stateAt(walkthrough, step).find((c) => c.name === cluster.name)!.resources),
  settings: (walkthrough, cluster, outputs) => settingsFor(walkthrough, cluster, meshOwnerOf(outputs)),
  replacements: replacementsFor,
};

/** The CloudFormation templates of a walkthrough (they do not change between steps), by cluster folder. */
export function cloudFormationTemplates(walkthrough: Walkthrough): TemplateFile[] {
  return walkthrough.clusters
    .flatMap((cluster) => clusterTemplates(walkthrough, APPMESH_TARGET, clusterOutputs(walkthrough, APPMESH_TARGET, cluster)))
    .filter((t, i, all) => all.findIndex((o) => o.cluster === t.cluster && o.file === t.file) === i)
    .sort((a, b) => `${a.cluster}/${a.file}`.localeCompare(`${b.cluster}/${b.file}`));
}

export function deployCommand(walkthrough: Walkthrough, template: TemplateFile): string {
  return templateDeployCommand(walkthrough, 'appmesh', template);
}

/** Every file of `k8s/<walkthrough>/appmesh/`; nothing for an ECS walkthrough. */
export function renderEks(walkthrough: Walkthrough): RenderedFile[] {
  if (walkthrough.platform !== 'eks') return [];
  return renderKubernetesTarget(walkthrough, APPMESH_TARGET, 'App Mesh on EKS');
}
