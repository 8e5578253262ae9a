/**
 * The kustomize side: a `settings/` folder whose env file is the one place a learner sets their
 * region, account and image registry, and the `replacements` that carry those values into every
 * object that needs them (images, IRSA role ARNs, the mesh owner, cross-account ARNs). The
 * settings ConfigMap is `local-config`, so it never reaches the cluster.
 */
import type { Cluster, Walkthrough } from '../../model/walkthrough.js';
import type { K8sObject } from './output.js';

export const SETTINGS_CONFIGMAP = 'walkthrough-settings';

export type SettingKey = 'AWS_REGION' | 'AWS_ACCOUNT_ID' | 'IMAGE_REGISTRY' | 'MESH_OWNER_ACCOUNT_ID';

export function accountId(walkthrough: Walkthrough, account: string): string {
  const found = walkthrough.accounts.find((a) => a.name === account);
  if (!found) throw new Error(`walkthrough ${walkthrough.name} has no account named ${account}`);
  return found.exampleId;
}

export function exampleRegistry(walkthrough: Walkthrough, cluster: Cluster): string {
  return `${accountId(walkthrough, cluster.account)}.dkr.ecr.${walkthrough.region}.amazonaws.com`;
}

export function settingsFor(walkthrough: Walkthrough, cluster: Cluster, meshOwner: string | undefined): [SettingKey, string, string][] {
  return [
    ['AWS_REGION', walkthrough.region, 'Region of your cluster (and of the mesh).'],
    ['AWS_ACCOUNT_ID', accountId(walkthrough, cluster.account), `Account of this cluster (${cluster.title}); used in the service accounts' IAM role ARNs.`],
    ['IMAGE_REGISTRY', exampleRegistry(walkthrough, cluster), 'Registry you pushed the apps to (`<registry>/amw/<app>:latest`); any registry, with or without a path.'],
    ...(meshOwner
      ? ([['MESH_OWNER_ACCOUNT_ID', meshOwner, 'Account that owns the shared mesh.']] as [SettingKey, string, string][])
      : []),
  ];
}

interface Target {
  select: { kind: string; name: string; namespace?: string };
  fieldPaths: string[];
  options?: { delimiter: string; index: number };
}

function select(object: K8sObject) {
  return {
    kind: object.kind,
    name: object.metadata.name,
    ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
  };
}

/** Which fields of these objects take which setting. */
export function replacementsFor(objects: readonly K8sObject[], registry: string): { key: SettingKey; targets: Target[] }[] {
  const byKey = new Map<SettingKey, Target[]>();
  const add = (key: SettingKey, target: Target) => byKey.set(key, [...(byKey.get(key) ?? []), target]);
  for (const object of objects) {
    if (object.kind === 'Deployment') {
      const containers = (object.spec as { template: { spec: { containers: { name: string; image: string }[] } } }).template.spec.containers;
      for (const container of containers) {
        if (container.image.startsWith(`${registry}/`)) {
          add('IMAGE_REGISTRY', {
            select: select(object),
            fieldPaths: [`spec.template.spec.containers.[name=${container.name}].image`],
            options: { delimiter: '/', index: 0 },
          });
        }
      }
    }
    if (object.kind === 'ServiceAccount' && object.metadata.annotations?.['eks.amazonaws.com/role-arn']) {
      add('AWS_ACCOUNT_ID', {
        select: select(object),
        fieldPaths: ['metadata.annotations.[eks.amazonaws.com/role-arn]'],
        options: { delimiter: ':', index: 4 },
      });
    }
    if (object.kind === 'Mesh' && (object.spec as { meshOwner?: string }).meshOwner) {
      add('MESH_OWNER_ACCOUNT_ID', { select: select(object), fieldPaths: ['spec.meshOwner'] });
    }
    if (object.kind === 'VirtualNode') {
      const backends = (object.spec as { backends?: { virtualService: { virtualServiceARN?: string } }[] }).backends ?? [];
      backends.forEach((backend, i) => {
        if (!backend.virtualService.virtualServiceARN) return;
        const path = `spec.backends.${i}.virtualService.virtualServiceARN`;
        add('AWS_REGION', { select: select(object), fieldPaths: [path], options: { delimiter: ':', index: 3 } });
        add('MESH_OWNER_ACCOUNT_ID', { select: select(object), fieldPaths: [path], options: { delimiter: ':', index: 4 } });
      });
    }
  }
  const order: SettingKey[] = ['IMAGE_REGISTRY', 'AWS_ACCOUNT_ID', 'AWS_REGION', 'MESH_OWNER_ACCOUNT_ID'];
  return order.filter((key) => byKey.has(key)).map((key) => ({ key, targets: byKey.get(key)! }));
}

export function kustomization(resources: readonly string[], objects: readonly K8sObject[], registry: string): Record<string, unknown> {
  const replacements = replacementsFor(objects, registry).map(({ key, targets }) => ({
    source: { kind: 'ConfigMap', name: SETTINGS_CONFIGMAP, fieldPath: `data.${key}` },
    targets,
  }));
  return {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [...resources],
    ...(replacements.length ? { replacements } : {}),
  };
}

export function settingsKustomization(): Record<string, unknown> {
  return {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    configMapGenerator: [
      {
        name: SETTINGS_CONFIGMAP,
        envs: ['settings.env'],
        options: { disableNameSuffixHash: true, annotations: { 'config.kubernetes.io/local-config': 'true' } },
      },
    ],
  };
}

export function settingsEnv(header: readonly string[], settings: readonly [SettingKey, string, string][]): string {
  const lines = header.map((line) => (line ? `# ${line}` : '#'));
  for (const [key, value, help] of settings) lines.push('', `# ${help}`, `${key}=${value}`);
  return `${lines.join('\n')}\n`;
}
