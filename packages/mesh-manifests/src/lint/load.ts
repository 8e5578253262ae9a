/**
 * Reads the YAML a learner (or the renderer) wrote: every `.yaml`/`.yml`/`.json` file under a
 * folder, every document in each file, with a line counter so each object — and each field in
 * it — can be reported as `file:line`. Kustomization files are not objects of the cluster, but
 * their `namespace:` is what kustomize stamps on the objects below them, so it is honoured.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { LineCounter, parseAllDocuments, type Document, type Tags } from 'yaml';
import { isClusterScoped } from './kinds.js';
import type { FieldPath, Finding, K8sObject, SourceRef } from './types.js';

export interface SourcedObject {
  object: K8sObject;
  source: SourceRef;
}

export interface LoadedFile {
  /** Absolute path. */
  path: string;
  inputs: SourcedObject[];
}

export interface LoadedInputs {
  /** Kubernetes objects and CloudFormation templates, in file order. */
  inputs: SourcedObject[];
  /** The same objects, per file (kustomize namespaces applied). */
  byFile: LoadedFile[];
  /** Files that could not be parsed, as findings (rule `invalid-yaml`). */
  problems: Finding[];
  files: number;
}

const YAML_FILE = /\.(ya?ml|json)$/i;
const KUSTOMIZATION_FILE = /^kustomization\.ya?ml$/i;
const SKIPPED_DIRECTORIES = new Set(['node_modules', '.git', 'dist', '.turbo']);

/**
 * CloudFormation's short-form intrinsics (`!Sub`, `!Ref`…) are not YAML core tags; turning them
 * into their long forms keeps templates readable for the cross-account rule instead of failing.
 */
function cloudFormationTags(): Tags {
  const intrinsics: Record<string, string> = {
    Ref: 'Ref',
    Condition: 'Condition',
    Sub: 'Fn::Sub',
    GetAtt: 'Fn::GetAtt',
    Join: 'Fn::Join',
    Select: 'Fn::Select',
    Split: 'Fn::Split',
    If: 'Fn::If',
    Equals: 'Fn::Equals',
    Not: 'Fn::Not',
    And: 'Fn::And',
    Or: 'Fn::Or',
    FindInMap: 'Fn::FindInMap',
    ImportValue: 'Fn::ImportValue',
    Base64: 'Fn::Base64',
    Cidr: 'Fn::Cidr',
    GetAZs: 'Fn::GetAZs',
  };
  return Object.entries(intrinsics).flatMap(([short, long]) => [
    { tag: `!${short}`, resolve: (value: string) => ({ [long]: value }) },
    { tag: `!${short}`, collection: 'seq' as const, resolve: (seq: { toJSON(): unknown }) => ({ [long]: seq.toJSON() }) },
    { tag: `!${short}`, collection: 'map' as const, resolve: (map: { toJSON(): unknown }) => ({ [long]: map.toJSON() }) },
  ]) as Tags;
}

const CUSTOM_TAGS = cloudFormationTags();

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isKubernetesObject(value: unknown): value is K8sObject {
  return isRecord(value) && typeof value.kind === 'string' && typeof value.apiVersion === 'string';
}

/** A CloudFormation template: a `Resources` map whose entries have an `AWS::…` type. */
export function isCloudFormationTemplate(value: unknown): value is Record<string, unknown> {
  if (!isRecord(value) || !isRecord(value.Resources)) return false;
  return Object.values(value.Resources).some((r) => isRecord(r) && typeof r.Type === 'string' && r.Type.startsWith('AWS::'));
}

function isKustomization(value: unknown, file: string): boolean {
  if (KUSTOMIZATION_FILE.test(basename(file))) return true;
  return isRecord(value) && value.kind === 'Kustomization';
}

function locator(doc: Document, counter: LineCounter, prefix: FieldPath) {
  return (path: FieldPath): number | undefined => {
    const node = doc.getIn([...prefix, ...path], true) as { range?: [number, number, number] } | undefined;
    if (!node || !Array.isArray(node.range)) return undefined;
    return counter.linePos(node.range[0]).line;
  };
}

/** Parses one file's text into sourced objects; parse errors become `invalid-yaml` findings. */
export function parseYamlText(text: string, displayPath: string): { inputs: SourcedObject[]; problems: Finding[]; kustomizeNamespace?: string } {
  const counter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: counter, customTags: CUSTOM_TAGS, prettyErrors: false });
  const inputs: SourcedObject[] = [];
  const problems: Finding[] = [];
  let kustomizeNamespace: string | undefined;
  const list = Array.isArray(docs) ? docs : [];
  for (const doc of list) {
    const error = doc.errors[0];
    // A `.json` file that is not even YAML (a tsconfig with comments) is no manifest: skip it.
    if (error && /\.json$/i.test(displayPath) && !/"kind"\s*:/.test(text)) continue;
    if (error) {
      problems.push({
        ruleId: 'invalid-yaml',
        severity: 'error',
        file: displayPath,
        line: counter.linePos(error.pos[0]).line,
        object: { kind: 'File', name: basename(displayPath) },
        message: `this file is not valid YAML: ${error.message.split('\n')[0]}`,
        fix: 'correct the YAML syntax (indentation, quotes, a missing colon); kubectl would refuse the whole file',
      });
      continue;
    }
    const value: unknown = doc.toJS({ maxAliasCount: 1000 });
    if (isKustomization(value, displayPath)) {
      if (isRecord(value) && typeof value.namespace === 'string') kustomizeNamespace = value.namespace;
      continue;
    }
    const start = doc.contents?.range ? counter.linePos(doc.contents.range[0]).line : 1;
    if (isKubernetesObject(value) && Array.isArray(value.items) && /List$/.test(value.kind ?? '')) {
      value.items.forEach((item, index) => {
        if (!isKubernetesObject(item)) return;
        const locate = locator(doc, counter, ['items', index]);
        inputs.push({ object: item, source: { file: displayPath, line: locate([]) ?? start, locate } });
      });
      continue;
    }
    if (isKubernetesObject(value) || isCloudFormationTemplate(value)) {
      inputs.push({ object: value as K8sObject, source: { file: displayPath, line: start, locate: locator(doc, counter, []) } });
    }
  }
  return kustomizeNamespace === undefined ? { inputs, problems } : { inputs, problems, kustomizeNamespace };
}

async function listYamlFiles(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRECTORIES.has(entry.name)) await walk(full);
      } else if (entry.isFile() && YAML_FILE.test(entry.name)) {
        found.push(full);
      }
    }
  };
  await walk(root);
  return found;
}

function displayPathFor(file: string, displayBase: string): string {
  const rel = relative(displayBase, file);
  return rel.startsWith('..') || rel === '' ? file : rel.split(sep).join('/');
}

/**
 * Loads one YAML file or every YAML file under a folder (recursively). `displayBase` is the
 * directory paths are printed relative to — where the user ran the command.
 */
export async function loadYamlPath(path: string, displayBase: string = process.cwd()): Promise<LoadedInputs> {
  const info = await stat(path);
  const files = info.isDirectory() ? await listYamlFiles(path) : [path];
  const perFile: { file: string; inputs: SourcedObject[] }[] = [];
  const namespaceByDir = new Map<string, string>();
  const problems: Finding[] = [];
  for (const file of files) {
    const parsed = parseYamlText(await readFile(file, 'utf8'), displayPathFor(file, displayBase));
    problems.push(...parsed.problems);
    if (parsed.kustomizeNamespace) namespaceByDir.set(dirname(file), parsed.kustomizeNamespace);
    perFile.push({ file, inputs: parsed.inputs });
  }
  const byFile = perFile.map(({ file, inputs: objects }) => {
    const namespace = kustomizeNamespaceFor(file, namespaceByDir);
    return { path: file, inputs: namespace === undefined ? objects : objects.map((input) => withNamespace(input, namespace)) };
  });
  return { inputs: byFile.flatMap((f) => f.inputs), byFile, problems, files: files.length };
}

/** kustomize's `namespace:` applies to every resource at or below the kustomization's folder. */
function kustomizeNamespaceFor(file: string, namespaceByDir: Map<string, string>): string | undefined {
  let dir = dirname(file);
  for (;;) {
    const namespace = namespaceByDir.get(dir);
    if (namespace !== undefined) return namespace;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function withNamespace(input: SourcedObject, namespace: string): SourcedObject {
  const { object } = input;
  if (typeof object.kind !== 'string' || isClusterScoped(object.kind)) return input;
  return { ...input, object: { ...object, metadata: { ...(object.metadata ?? {}), namespace } } };
}
