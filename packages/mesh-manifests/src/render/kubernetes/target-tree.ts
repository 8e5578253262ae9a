/**
 * The folder shape every Kubernetes target shares (App Mesh, Istio, Lattice): for each cluster,
 * the first step as a kustomization, one `steps/<n>-<step>/` kustomization per later step holding
 * only what that step adds or changes (applied in order), a `settings/` folder whose env file is
 * the one place a learner sets their account, region and registry, and the CloudFormation for the
 * AWS side. A target only says which objects and templates a cluster holds at a step, which
 * settings it needs and which fields take them.
 */
import type { TranslationLog } from '../../migrate/translation.js';
import type { Cluster, Walkthrough } from '../../model/walkthrough.js';
import type { TemplateFile } from '../eks/cloudformation.js';
import { exampleRegistry, kustomization, settingsEnv, settingsKustomization, type Replacement, type Setting } from '../eks/kustomize.js';
import { type EmittedObject, type K8sObject, objectId } from '../eks/output.js';
import { generatedHeader, type RenderedFile } from '../files.js';
import { targetFolder, type Target } from '../layout.js';
import { canonical, CLOUDFORMATION_KEY_ORDER, KUSTOMIZATION_KEY_ORDER, yamlFile } from '../yaml.js';

export interface ClusterOutput {
  objects: EmittedObject[];
  templates: TemplateFile[];
}

export interface KubernetesTarget {
  target: Target;
  /**
   * What a cluster holds once a step is applied; `log` (when given) receives what became of every
   * App Mesh feature the cluster uses at that step.
   */
  emit(walkthrough: Walkthrough, cluster: Cluster, step: string, log?: TranslationLog): ClusterOutput;
  /** The settings of a cluster's folder, given what every step emits. */
  settings(walkthrough: Walkthrough, cluster: Cluster, outputs: readonly ClusterOutput[]): Setting[];
  /** Which fields of these objects take which setting. */
  replacements(objects: readonly K8sObject[], registry: string, walkthrough: Walkthrough, cluster: Cluster): Replacement[];
}

export function stepFolderOf(walkthrough: Walkthrough, target: Target, cluster: Cluster, stepIndex: number): string {
  const base = targetFolder(walkthrough, target, cluster);
  return stepIndex === 0 ? base : `${base}/steps/${stepIndex}-${walkthrough.steps[stepIndex]!.name}`;
}

/** Every folder a learner applies for one cluster of a target, in the order they apply them. */
export function applyFolders(walkthrough: Walkthrough, target: KubernetesTarget, cluster: Cluster): string[] {
  return clusterOutputs(walkthrough, target, cluster)
    .map((output, i) => (i === 0 || output.changed.length ? stepFolderOf(walkthrough, target.target, cluster, i) : undefined))
    .filter((folder): folder is string => folder !== undefined);
}

const KIND_ORDER = ['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'IngressClass', 'ConfigMap', 'Secret', 'Deployment', 'DaemonSet', 'Service'];

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

function isEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** `aws cloudformation deploy …` for a template of a target's cluster folder. */
export function templateDeployCommand(walkthrough: Walkthrough, target: Target, template: TemplateFile): string {
  const cluster = walkthrough.clusters.find((c) => c.name === template.cluster)!;
  const parameters = Object.entries(template.parameters).map(([k, v]) => `${k}=${v.includes(' ') ? `"${v}"` : v}`);
  return [
    `aws cloudformation deploy --stack-name ${template.stackName} --template-file ${targetFolder(walkthrough, target, cluster)}/${template.file}`,
    ...(template.capabilities?.length ? [`--capabilities ${template.capabilities.join(' ')}`] : []),
    ...(parameters.length ? [`--parameter-overrides ${parameters.join(' ')}`] : []),
  ].join(' ');
}

interface StepOutput extends ClusterOutput {
  /** What this step adds or changes (for the first step: everything). */
  changed: EmittedObject[];
}

/** Each step's output for a cluster, with what the step changes; a step may not remove objects. */
export function clusterOutputs(walkthrough: Walkthrough, target: KubernetesTarget, cluster: Cluster): StepOutput[] {
  const outputs = walkthrough.steps.map((step) => target.emit(walkthrough, cluster, step.name));
  return outputs.map((output, i) => {
    const seen = new Set<string>();
    for (const { object } of output.objects) {
      const id = objectId(object);
      if (seen.has(id)) throw new Error(`${walkthrough.name}/${cluster.name} (${target.target}) renders ${id} twice`);
      seen.add(id);
    }
    if (i === 0) return { ...output, changed: output.objects };
    const step = walkthrough.steps[i]!;
    const previous = new Map(outputs[i - 1]!.objects.map((o) => [objectId(o.object), o.object]));
    const current = new Set(output.objects.map((o) => objectId(o.object)));
    const removed = [...previous.keys()].filter((id) => !current.has(id));
    if (removed.length) throw new Error(`step ${step.name} of ${walkthrough.name} removes ${removed.join(', ')} (${target.target}): steps may only add or change objects`);
    const changed = output.objects.filter((o) => {
      const before = previous.get(objectId(o.object));
      return !before || !isEqual(before, o.object);
    });
    return { ...output, changed };
  });
}

/** The CloudFormation templates of a cluster (steps may not change them). */
export function clusterTemplates(walkthrough: Walkthrough, target: KubernetesTarget, outputs: readonly ClusterOutput[]): TemplateFile[] {
  const templates = new Map<string, TemplateFile>();
  outputs.forEach((output, i) => {
    for (const template of output.templates) {
      const key = `${template.cluster}/${template.file}`;
      const previous = templates.get(key);
      if (previous && !isEqual(previous.template, template.template)) {
        throw new Error(`step ${walkthrough.steps[i]!.name} of ${walkthrough.name} changes ${key} (${target.target}): steps may only change Kubernetes objects`);
      }
      templates.set(key, template);
    }
  });
  return [...templates.values()].sort((a, b) => `${a.cluster}/${a.file}`.localeCompare(`${b.cluster}/${b.file}`));
}

/** Every file of a target's folders for a walkthrough. */
export function renderKubernetesTarget(walkthrough: Walkthrough, target: KubernetesTarget, titleLine: string): RenderedFile[] {
  const files: RenderedFile[] = [];
  for (const cluster of walkthrough.clusters) {
    const dir = targetFolder(walkthrough, target.target, cluster);
    const registry = exampleRegistry(walkthrough, cluster);
    const outputs = clusterOutputs(walkthrough, target, cluster);
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
        target.settings(walkthrough, cluster, outputs),
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

    const stepCount = walkthrough.steps.length;
    outputs.forEach((output, i) => {
      if (i > 0 && !output.changed.length) return;
      const step = walkthrough.steps[i]!;
      const stepDir = stepFolderOf(walkthrough, target.target, cluster, i);
      const applyLine = `kubectl apply -k ${stepDir}${kubectlContext}`;
      const header = generatedHeader(
        walkthrough.name,
        i === 0
          ? [
              `${walkthrough.title}${walkthrough.clusters.length > 1 ? ` — ${cluster.title}` : ''} — ${titleLine}.`,
              stepCount > 1 ? `Starting state (step "${step.name}": ${step.title}). Later steps are in steps/, applied in order.` : step.title + '.',
              `Apply: ${applyLine}`,
            ]
          : [`Step ${i} of ${stepCount - 1}: ${step.title}. ${step.summary}`, `Only what this step adds or changes; apply it after the previous step: ${applyLine}`],
      );
      const objectFileList = objectFiles(stepDir, header, output.changed);
      files.push(...objectFileList);
      const replacements = target.replacements(
        output.changed.map((o) => o.object),
        registry,
        walkthrough,
        cluster,
      );
      files.push({
        path: `${stepDir}/kustomization.yaml`,
        content: yamlFile(
          header,
          [{ object: kustomization([i === 0 ? 'settings' : '../../settings', ...objectFileList.map((f) => f.path.slice(stepDir.length + 1))], replacements) }],
          KUSTOMIZATION_KEY_ORDER,
        ),
      });
    });

    for (const template of clusterTemplates(walkthrough, target, outputs)) {
      const owner = walkthrough.clusters.find((c) => c.name === template.cluster)!;
      const who = template.cluster === 'main' ? 'Deploy it with:' : `Deploy it with the ${template.cluster} account's credentials:`;
      const header = generatedHeader(walkthrough.name, [who, `  ${templateDeployCommand(walkthrough, target.target, template)}`]);
      files.push({
        path: `${targetFolder(walkthrough, target.target, owner)}/${template.file}`,
        content: yamlFile(header, [{ object: template.template }], CLOUDFORMATION_KEY_ORDER),
      });
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
