/**
 * EKS renderer: a walkthrough → `k8s/<walkthrough>/appmesh/` (one folder per cluster when there are
 * several): the starting state as a kustomization, one `steps/<n>-<step>/` kustomization per later
 * step holding only what that step adds or changes (apply them in order), the settings folder, and
 * the CloudFormation for the AWS side.
 */
import type { IamPolicy } from '../../model/aws.js';
import { isAppMeshResource } from '../../model/appmesh.js';
import { K8S } from '../../model/kubernetes.js';
import type { Service } from '../../model/kubernetes.js';
import { ofKind, stateAt } from '../../model/state.js';
import type { Cluster, Resource, Walkthrough } from '../../model/walkthrough.js';
import { generatedHeader, type RenderedFile } from '../files.js';
import { targetFolder } from '../layout.js';
import { canonical, CLOUDFORMATION_KEY_ORDER, KUSTOMIZATION_KEY_ORDER, yamlFile } from '../yaml.js';
import { cloudMapTemplate, iamTemplate, meshShareTemplate, peeringTemplates, type TemplateFile } from './cloudformation.js';
import { deploymentFor } from './deployment.js';
import { accountId, exampleRegistry, kustomization, settingsEnv, settingsFor, settingsKustomization } from './kustomize.js';
import { kongClusterObjects } from './kong.js';
import { type EmittedObject, type K8sObject, objectId } from './output.js';

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
  const base = clusterFolder(walkthrough, cluster);
  return stepIndex === 0 ? base : `${base}/steps/${stepIndex}-${walkthrough.steps[stepIndex]!.name}`;
}

interface ClusterOutput {
  objects: EmittedObject[];
  templates: TemplateFile[];
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
      return [{ file: 'ingress.yaml', object: copy(resource) }];
    case 'KongPlugin':
      return [{ file: 'kong-plugins.yaml', object: copy(resource) }];
    case 'KongConsumer':
    case 'Secret':
      return [{ file: 'kong-consumers.yaml', object: copy(resource) }];
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
  const objects = resources.flatMap((r) => emitResource(walkthrough, cluster, r, services));
  const seen = new Set<string>();
  for (const { object } of objects) {
    const id = objectId(object);
    if (seen.has(id)) throw new Error(`${walkthrough.name}/${cluster.name} renders ${id} twice`);
    seen.add(id);
  }
  const templates: TemplateFile[] = [];
  const policies = ofKind(resources, 'IamPolicy') as IamPolicy[];
  if (policies.length) templates.push(iamTemplate(walkthrough, cluster, policies));
  for (const share of ofKind(resources, 'ResourceShare')) templates.push(meshShareTemplate(walkthrough, cluster, share));
  for (const ns of ofKind(resources, 'CloudMapNamespace')) templates.push(cloudMapTemplate(walkthrough, cluster, ns));
  for (const peering of ofKind(resources, 'VpcPeering')) templates.push(...peeringTemplates(walkthrough, peering));
  return { objects, templates };
}

const KIND_ORDER = ['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'IngressClass', 'Secret', 'Deployment', 'Service'];

function sortObjects(objects: readonly EmittedObject[]): EmittedObject[] {
  const rank = (kind: string) => (KIND_ORDER.includes(kind) ? KIND_ORDER.indexOf(kind) : KIND_ORDER.length);
  return [...objects].sort(
    (a, b) =>
      rank(a.object.kind) - rank(b.object.kind) ||
      a.object.kind.localeCompare(b.object.kind) ||
      (a.object.metadata.namespace ?? '').localeCompare(b.object.metadata.namespace ?? '') ||
      a.object.metadata.name.localeCompare(b.object.metadata.name),
  );
}

function objectFiles(dir: string, header: readonly string[], objects: readonly EmittedObject[]): RenderedFile[] {
  const byFile = new Map<string, EmittedObject[]>();
  for (const emitted of objects) byFile.set(emitted.file, [...(byFile.get(emitted.file) ?? []), emitted]);
  return [...byFile.keys()].sort().map((file) => ({ path: `${dir}/${file}`, content: yamlFile(header, sortObjects(byFile.get(file)!)) }));
}

function templateFile(dir: string, walkthrough: Walkthrough, template: TemplateFile): RenderedFile {
  const who = template.cluster === 'main' ? 'Deploy it with:' : `Deploy it with the ${template.cluster} account's credentials:`;
  const header = generatedHeader(walkthrough.name, [who, `  ${deployCommand(walkthrough, template)}`]);
  return { path: `${dir}/${template.file}`, content: yamlFile(header, [{ object: template.template }], CLOUDFORMATION_KEY_ORDER) };
}

function isEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function kustomizationFile(dir: string, header: readonly string[], resources: string[], objects: readonly EmittedObject[], registry: string): RenderedFile {
  return {
    path: `${dir}/kustomization.yaml`,
    content: yamlFile(header, [{ object: kustomization(resources, objects.map((o) => o.object), registry) }], KUSTOMIZATION_KEY_ORDER),
  };
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

/** The CloudFormation templates of a walkthrough (they do not change between steps), by cluster folder. */
export function cloudFormationTemplates(walkthrough: Walkthrough): TemplateFile[] {
  const byKey = new Map<string, TemplateFile>();
  for (const cluster of stateAt(walkthrough)) {
    const source = walkthrough.clusters.find((c) => c.name === cluster.name)!;
    for (const template of emitCluster(walkthrough, source, cluster.resources).templates) byKey.set(`${template.cluster}/${template.file}`, template);
  }
  return [...byKey.values()].sort((a, b) => `${a.cluster}/${a.file}`.localeCompare(`${b.cluster}/${b.file}`));
}

export function deployCommand(walkthrough: Walkthrough, template: TemplateFile): string {
  const target = walkthrough.clusters.find((c) => c.name === template.cluster)!;
  const parameters = Object.entries(template.parameters).map(([k, v]) => `${k}=${v.includes(' ') ? `"${v}"` : v}`);
  return [
    `aws cloudformation deploy --stack-name ${template.stackName} --template-file ${clusterFolder(walkthrough, target)}/${template.file}`,
    ...(template.capabilities?.length ? [`--capabilities ${template.capabilities.join(' ')}`] : []),
    ...(parameters.length ? [`--parameter-overrides ${parameters.join(' ')}`] : []),
  ].join(' ');
}

/** Every file of `k8s/<walkthrough>/appmesh/`; nothing for an ECS walkthrough. */
export function renderEks(walkthrough: Walkthrough): RenderedFile[] {
  if (walkthrough.platform !== 'eks') return [];
  const files: RenderedFile[] = [];
  const states = walkthrough.steps.map((step) => stateAt(walkthrough, step.name));
  for (const cluster of walkthrough.clusters) {
    const dir = clusterFolder(walkthrough, cluster);
    const registry = exampleRegistry(walkthrough, cluster);
    const outputs = states.map((state) => emitCluster(walkthrough, cluster, state.find((c) => c.name === cluster.name)!.resources));
    const settings = settingsFor(walkthrough, cluster, meshOwnerOf(outputs));
    const kubectlContext = walkthrough.clusters.length > 1 ? ` (with the ${cluster.name} cluster's context)` : '';

    files.push({
      path: `${dir}/settings/settings.env`,
      content: settingsEnv(
        [
          ...generatedHeader(walkthrough.name),
          '',
          'Set these once for your account: every folder of this cluster (the steps too) reads them.',
          '`pnpm mesh render` keeps the values you set here.',
        ],
        settings,
      ),
    });
    files.push({
      path: `${dir}/settings/kustomization.yaml`,
      content: yamlFile(
        generatedHeader(walkthrough.name, ['The values of settings.env as a ConfigMap that only kustomize sees (local-config): it is never applied.']),
        [{ object: settingsKustomization() }],
        KUSTOMIZATION_KEY_ORDER,
      ),
    });

    const templates = new Map<string, TemplateFile>();
    outputs.forEach((output, i) => {
      for (const template of output.templates) {
        const key = `${template.cluster}/${template.file}`;
        const previous = templates.get(key);
        if (previous && !isEqual(previous.template, template.template)) {
          throw new Error(`step ${walkthrough.steps[i]!.name} of ${walkthrough.name} changes ${key}: steps may only change Kubernetes objects`);
        }
        templates.set(key, template);
      }
    });

    outputs.forEach((output, i) => {
      const step = walkthrough.steps[i]!;
      const stepDir = stepFolder(walkthrough, cluster, i);
      let objects: EmittedObject[];
      if (i === 0) {
        objects = output.objects;
      } else {
        const previous = new Map(outputs[i - 1]!.objects.map((o) => [objectId(o.object), o.object]));
        const current = new Set(output.objects.map((o) => objectId(o.object)));
        const removed = [...previous.keys()].filter((id) => !current.has(id));
        if (removed.length) throw new Error(`step ${step.name} of ${walkthrough.name} removes ${removed.join(', ')}: delete steps are not rendered for EKS`);
        objects = output.objects.filter((o) => {
          const before = previous.get(objectId(o.object));
          return !before || !isEqual(before, o.object);
        });
        if (!objects.length) return;
      }
      const stepCount = walkthrough.steps.length;
      const applyLine = `kubectl apply -k ${stepDir}${kubectlContext}`;
      const header = generatedHeader(
        walkthrough.name,
        i === 0
          ? [
              `${walkthrough.title}${walkthrough.clusters.length > 1 ? ` — ${cluster.title}` : ''}.`,
              stepCount > 1 ? `Starting state (step "${step.name}": ${step.title}). Later steps are in steps/, applied in order.` : step.title + '.',
              `Apply: ${applyLine}`,
            ]
          : [`Step ${i} of ${stepCount - 1}: ${step.title}. ${step.summary}`, `Only what this step adds or changes; apply it after the previous step: ${applyLine}`],
      );
      const objectFileList = objectFiles(stepDir, header, objects);
      files.push(...objectFileList);
      const settingsPath = i === 0 ? 'settings' : '../../settings';
      files.push(
        kustomizationFile(
          stepDir,
          header,
          [settingsPath, ...objectFileList.map((f) => f.path.slice(stepDir.length + 1))],
          objects,
          registry,
        ),
      );
    });

    for (const template of [...templates.values()].sort((a, b) => a.file.localeCompare(b.file))) {
      const target = walkthrough.clusters.find((c) => c.name === template.cluster)!;
      files.push(templateFile(clusterFolder(walkthrough, target), walkthrough, template));
    }
  }
  return dedupe(files);
}

/** Templates one cluster emits for another (VPC peering) arrive from both sides: keep one copy. */
function dedupe(files: RenderedFile[]): RenderedFile[] {
  const byPath = new Map<string, RenderedFile>();
  for (const file of files) {
    const previous = byPath.get(file.path);
    if (previous && previous.content !== file.content) throw new Error(`two different renderings of ${file.path}`);
    byPath.set(file.path, file);
  }
  return [...byPath.values()].sort((a, b) => a.path.localeCompare(b.path));
}

