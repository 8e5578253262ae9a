/**
 * The kustomize side: a `settings/` folder whose env file is the one place a learner sets their
 * region, account and image registry, and the `replacements` that carry those values into every
 * object that needs them (images, IRSA role ARNs, the mesh owner, cross-account ARNs). The
 * settings ConfigMap is `local-config`, so it never reaches the cluster.
 */
import type { Cluster, Walkthrough } from '../../model/walkthrough.js';
import type { K8sObject } from './output.js';

export const SETTINGS_CONFIGMAP = 'walkthrough-settings';

export type SettingKey = 'AWS_REGION' | 'AWS_ACCOUNT_ID' | 'IMAGE_REGISTRY' | 'MESH_OWNER_ACCOUNT_ID' | 'FRONTEND_ACCOUNT_ID' | 'BACKEND_ACCOUNT_ID' | 'LATTICE_DOMAIN';

/** A setting: its key, its example value, and the comment a learner reads above it. */
export type Setting = [SettingKey, string, string];

/** The fields of rendered objects that take one setting. */
export interface Replacement {
  key: SettingKey;
  targets: ReplacementTarget[];
}

export function accountId(walkthrough: Walkthrough, account: string): string {
  const found = walkthrough.accounts.find((a) => a.name === account);
  if (!found) throw new Error(`walkthrough ${walkthrough.name} has no account named ${account}`);
  return found.exampleId;
}

export function exampleRegistry(walkthrough: Walkthrough, cluster: Cluster): string {
  return `${accountId(walkthrough, cluster.account)}.dkr.ecr.${walkthrough.region}.amazonaws.com`;
}

/** The settings every Kubernetes target shares: region, account, registry. */
export function baseSettings(walkthrough: Walkthrough, cluster: Cluster): Setting[] {
  return [
    ['AWS_REGION', walkthrough.region, 'Region of your cluster.'],
    ['AWS_ACCOUNT_ID', accountId(walkthrough, cluster.account), `Account of this cluster (${cluster.title}).`],
    ['IMAGE_REGISTRY', exampleRegistry(walkthrough, cluster), 'Registry you pushed the apps to (`<registry>/amw/<app>:latest`); any registry, with or without a path.'],
  ];
}

export function settingsFor(walkthrough: Walkthrough, cluster: Cluster, meshOwner: string | undefined): Setting[] {
  return [
    ['AWS_REGION', walkthrough.region, 'Region of your cluster (and of the mesh).'],
    ['AWS_ACCOUNT_ID', accountId(walkthrough, cluster.account), `Account of this cluster (${cluster.title}); used in the service accounts' IAM role ARNs.`],
    ['IMAGE_REGISTRY', exampleRegistry(walkthrough, cluster), 'Registry you pushed the apps to (`<registry>/amw/<app>:latest`); any registry, with or without a path.'],
    ...(meshOwner
      ? ([['MESH_OWNER_ACCOUNT_ID', meshOwner, 'Account that owns the shared mesh.']] as [SettingKey, string, string][])
      : []),
  ];
}

export interface ReplacementTarget {
  select: { kind: string; name: string; namespace?: string };
  fieldPaths: string[];
  options?: { delimiter: string; index: number };
}

export function select(object: K8sObject) {
  return {
    kind: object.kind,
    name: object.metadata.name,
    ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
  };
}

/** Collects replacement targets by setting, and lists them in a fixed order of settings. */
export class ReplacementSet {
  private readonly byKey = new Map<SettingKey, ReplacementTarget[]>();

  add(key: SettingKey, target: ReplacementTarget): void {
    this.byKey.set(key, [...(this.byKey.get(key) ?? []), target]);
  }

  /** Our apps' images take the registry a learner pushed them to. */
  addImages(object: K8sObject, registry: string): void {
    if (object.kind !== 'Deployment') return;
    const containers = (object.spec as { template: { spec: { containers: { name: string; image: string }[] } } }).template.spec.containers;
    for (const container of containers) {
      if (container.image.startsWith(`${registry}/`)) {
        this.add('IMAGE_REGISTRY', {
          select: select(object),
          fieldPaths: [`spec.template.spec.containers.[name=${container.name}].image`],
          options: { delimiter: '/', index: 0 },
        });
      }
    }
  }

  /** A service account's IAM role (IRSA) lives in the cluster's account. */
  addIrsaAccount(object: K8sObject): void {
    if (object.kind !== 'ServiceAccount' || !object.metadata.annotations?.['eks.amazonaws.com/role-arn']) return;
    this.add('AWS_ACCOUNT_ID', {
      select: select(object),
      fieldPaths: ['metadata.annotations.[eks.amazonaws.com/role-arn]'],
      options: { delimiter: ':', index: 4 },
    });
  }

  list(): Replacement[] {
    const order: SettingKey[] = ['IMAGE_REGISTRY', 'AWS_ACCOUNT_ID', 'AWS_REGION', 'MESH_OWNER_ACCOUNT_ID', 'FRONTEND_ACCOUNT_ID', 'BACKEND_ACCOUNT_ID', 'LATTICE_DOMAIN'];
    return order.filter((key) => this.byKey.has(key)).map((key) => ({ key, targets: this.byKey.get(key)! }));
  }
}

/** Which fields of these App Mesh objects take which setting. */
export function replacementsFor(objects: readonly K8sObject[], registry: string): Replacement[] {
  const set = new ReplacementSet();
  const add = (key: SettingKey, target: ReplacementTarget) => set.add(key, target);
  for (const object of objects) {
    set.addImages(object, registry);
    set.addIrsaAccount(object);
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
  return set.list();
}

export function kustomization(resources: readonly string[], replacementList: readonly Replacement[]): Record<string, unknown> {
  const replacements = replacementList.map(({ key, targets }) => ({
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

export function settingsEnv(header: readonly string[], settings: readonly Setting[]): string {
  const lines = header.map((line) => (line ? `# ${line}` : '#'));
  for (const [key, value, help] of settings) lines.push('', `# ${help}`, `${key}=${value}`);
  return `${lines.join('\n')}\n`;
}
