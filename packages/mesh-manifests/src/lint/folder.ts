/**
 * Linting a set of files — a folder on disk or a walkthrough rendered in memory — state by state.
 *
 * - Targets: a walkthrough's folder (`k8s/<walkthrough>/`) holds one sub-folder per target
 *   (`appmesh/`, `istio/`, `lattice/`); each is linted on its own, and so is each walkthrough of `k8s/`.
 * - Clusters: a walkthrough that spans clusters (yelb-multi-account's frontend and backend) keeps
 *   each cluster in its own sub-folder, and each is judged on its own: a Service in one cluster
 *   does not resolve in the other. A top-level sub-folder is a cluster when it holds App Mesh
 *   objects and its own Mesh, or Kubernetes objects and its own kustomization.yaml, and a sibling
 *   qualifies too.
 *   Files outside the cluster folders belong to every cluster, and so do CloudFormation templates
 *   wherever they are: AWS resources (a RAM share of the mesh) live in accounts, not clusters.
 * - Steps: `steps/<n>-<name>/` folders (as `pnpm mesh render` writes them) hold what each step
 *   adds or changes, applied in order. The starting state and the state after each step are
 *   linted; an object in a step replaces the one of the same kind, namespace and name.
 */
import { lintObjects } from './engine.js';
import { loadYamlPath, parseYamlText, type SourcedObject } from './load.js';
import type { Finding, LintOptions, LintResult } from './types.js';
import { isTarget } from '../render/layout.js';
import { relative, sep } from 'node:path';
import { stat } from 'node:fs/promises';

export interface SetFile {
  /** Path inside the set, `/`-separated (e.g. `frontend/steps/1-canary/virtual-routers.yaml`). */
  path: string;
  inputs: SourcedObject[];
}

export interface LintUnit {
  /** `cluster` or `cluster@step`, for diagnostics. */
  name: string;
  inputs: SourcedObject[];
}

const STEP_FOLDER = /^(\d+)-[^/]+$/;

function isAppMesh(input: SourcedObject): boolean {
  return String(input.object.apiVersion ?? '').startsWith('appmesh.k8s.aws/');
}

function top(path: string): string | undefined {
  const slash = path.indexOf('/');
  return slash < 0 ? undefined : path.slice(0, slash);
}

/**
 * Top-level folders that are clusters: App Mesh objects with their own Mesh, or Kubernetes objects
 * with their own kustomization.yaml (how every target lays out a walkthrough's clusters).
 */
function clusterFolders(files: readonly SetFile[]): string[] {
  const candidates = new Map<string, { appMesh: boolean; objects: boolean; mesh: boolean; kustomization: boolean }>();
  for (const file of files) {
    const folder = top(file.path);
    if (folder === undefined) continue;
    const c = candidates.get(folder) ?? { appMesh: false, objects: false, mesh: false, kustomization: false };
    c.appMesh ||= file.inputs.some(isAppMesh);
    c.objects ||= file.inputs.some((i) => typeof i.object.kind === 'string');
    c.mesh ||= file.inputs.some((i) => isAppMesh(i) && i.object.kind === 'Mesh');
    c.kustomization ||= /^[^/]+\/kustomization\.ya?ml$/i.test(file.path);
    candidates.set(folder, c);
  }
  const clusters = [...candidates].filter(([, c]) => (c.appMesh && c.mesh) || (c.objects && c.kustomization)).map(([name]) => name);
  return clusters.length >= 2 ? clusters.sort() : [];
}

function objectKey(input: SourcedObject): string | undefined {
  const { object } = input;
  if (typeof object.kind !== 'string') return undefined;
  return `${object.kind}/${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}

/** The starting state, then the state after each `steps/<n>-…` folder, in order. */
export function statesOf(files: readonly SetFile[]): SourcedObject[][] {
  const steps = new Map<number, SetFile[]>();
  const base: SetFile[] = [];
  for (const file of files) {
    const match = /(?:^|\/)steps\/([^/]+)\//.exec(file.path);
    const step = match && STEP_FOLDER.exec(match[1] as string);
    if (step) steps.set(Number(step[1]), [...(steps.get(Number(step[1])) ?? []), file]);
    else base.push(file);
  }
  let current = base.flatMap((f) => f.inputs);
  const states = [current];
  for (const n of [...steps.keys()].sort((a, b) => a - b)) {
    const overlay = (steps.get(n) as SetFile[]).flatMap((f) => f.inputs);
    const replaced = new Set(overlay.map(objectKey).filter((k): k is string => k !== undefined));
    current = [...current.filter((i) => !replaced.has(objectKey(i) ?? '')), ...overlay];
    states.push(current);
  }
  return states;
}

/**
 * A walkthrough's folder holds one sub-folder per target (`appmesh/`, `istio/`, `lattice/`), each a
 * world of its own: the same Deployment appears in each, rendered for that target.
 */
function targetFolders(files: readonly SetFile[]): string[] {
  return [...new Set(files.map((f) => top(f.path)).filter((t): t is string => t !== undefined && isTarget(t)))].sort();
}

/** Top-level folders that hold target folders: the walkthroughs of `k8s/`. */
function walkthroughFolders(files: readonly SetFile[]): string[] {
  return [...new Set(files.map((f) => f.path.split('/')).filter((parts) => parts.length > 2 && isTarget(parts[1]!)).map((parts) => parts[0]!))].sort();
}

/** Splits a file set into what is linted together: one walkthrough, one target, one cluster, in one state at a time. */
export function lintUnits(files: readonly SetFile[]): LintUnit[] {
  const walkthroughs = walkthroughFolders(files);
  if (walkthroughs.length) {
    return walkthroughs.flatMap((walkthrough) =>
      lintUnits(files.filter((f) => top(f.path) === walkthrough).map((f) => ({ ...f, path: f.path.slice(walkthrough.length + 1) }))).map((unit) => ({ ...unit, name: `${walkthrough}/${unit.name}` })),
    );
  }
  const targets = targetFolders(files);
  if (targets.length) {
    const outside = files.filter((f) => !targets.includes(top(f.path) ?? ''));
    return targets.flatMap((target) => {
      const own = [...outside, ...files.filter((f) => top(f.path) === target).map((f) => ({ ...f, path: f.path.slice(target.length + 1) }))];
      return lintUnits(own).map((unit) => ({ ...unit, name: `${target}/${unit.name}` }));
    });
  }
  const clusters = clusterFolders(files);
  if (clusters.length === 0) return statesOf(files).map((inputs, i) => ({ name: i === 0 ? '.' : `.@${i}`, inputs }));
  const shared = files.filter((f) => !clusters.includes(top(f.path) ?? '')).flatMap((f) => f.inputs);
  const templatesOf = (cluster: string) =>
    files.filter((f) => clusters.includes(top(f.path) ?? '') && top(f.path) !== cluster).flatMap((f) => f.inputs.filter((i) => typeof i.object.kind !== 'string'));
  return clusters.flatMap((cluster) => {
    const own = files.filter((f) => top(f.path) === cluster).map((f) => ({ ...f, path: f.path.slice(cluster.length + 1) }));
    const extra = [...shared, ...templatesOf(cluster)];
    return statesOf(own).map((inputs, i) => ({ name: i === 0 ? cluster : `${cluster}@${i}`, inputs: [...inputs, ...extra] }));
  });
}

export interface SetLintResult extends LintResult {
  files: number;
  units: string[];
}

function compare(a: Finding, b: Finding): number {
  return (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0) || a.ruleId.localeCompare(b.ruleId) || a.message.localeCompare(b.message);
}

/** Lints a file set; `problems` are findings from loading (invalid YAML). */
export function lintFileSet(files: readonly SetFile[], options: LintOptions = {}, problems: readonly Finding[] = []): SetLintResult {
  const units = lintUnits(files);
  const seen = new Set<string>();
  const findings: Finding[] = [];
  for (const finding of [...problems, ...units.flatMap((unit) => lintObjects(unit.inputs, options).findings)]) {
    if (options.rules && !options.rules.includes(finding.ruleId)) continue;
    const key = JSON.stringify(finding);
    if (seen.has(key)) continue;
    seen.add(key);
    findings.push(finding);
  }
  findings.sort(compare);
  const objects = new Set(files.flatMap((f) => f.inputs.filter((i) => typeof i.object.kind === 'string').map((i) => `${i.source.file}:${i.source.line}`)));
  return {
    findings,
    errors: findings.filter((f) => f.severity === 'error').length,
    warnings: findings.filter((f) => f.severity === 'warning').length,
    objects: objects.size,
    files: files.length,
    units: units.map((u) => u.name),
  };
}

/** Loads and lints a file or a folder; paths in findings are relative to `displayBase`. */
export async function lintPath(path: string, options: LintOptions = {}, displayBase: string = process.cwd()): Promise<SetLintResult> {
  const loaded = await loadYamlPath(path, displayBase);
  const isFolder = (await stat(path)).isDirectory();
  const files = loaded.byFile.map((f) => ({
    path: isFolder ? relative(path, f.path).split(sep).join('/') : (f.path.split(sep).pop() as string),
    inputs: f.inputs,
  }));
  return lintFileSet(files, options, loaded.problems);
}

/**
 * Lints files held in memory (a renderer's output). `root` is the folder they would live in
 * (their paths start with it); `display` turns a path into what findings print.
 */
export function lintTexts(
  texts: readonly { path: string; content: string }[],
  root: string,
  options: LintOptions = {},
  display: (path: string) => string = (path) => path,
): SetLintResult {
  const problems: Finding[] = [];
  const files = texts
    .filter((t) => /\.(ya?ml|json)$/i.test(t.path))
    .map((t) => {
      const parsed = parseYamlText(t.content, display(t.path));
      problems.push(...parsed.problems);
      const inside = t.path.startsWith(`${root}/`) ? t.path.slice(root.length + 1) : t.path;
      return { path: inside, inputs: parsed.inputs };
    });
  return lintFileSet(files, options, problems);
}
