/**
 * What `kubectl apply -k` would send for a walkthrough on a live target, read from the files the
 * renderer wrote: a cluster's folder, then each step folder up to the step asked for, in order,
 * a later object replacing an earlier one of the same kind, namespace and name (as `apply` does).
 * The local run is built from these files, not from the App Mesh definition, so an edit to a
 * rendered file is what the local run follows.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { stepIndex, targetFolder, type Walkthrough } from '@amw/mesh-manifests';

export const LOCAL_TARGETS = ['istio', 'lattice'] as const;
export type LocalTarget = (typeof LOCAL_TARGETS)[number];

export function isLocalTarget(name: string): name is LocalTarget {
  return (LOCAL_TARGETS as readonly string[]).includes(name);
}

/** A Kubernetes object as a rendered file holds it: loosely typed, since the files may be edited. */
export interface RenderedObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  [field: string]: unknown;
}

/** An object and where it came from: its cluster, and its file relative to the repository root. */
export interface Sourced<T extends RenderedObject = RenderedObject> {
  cluster: string;
  file: string;
  object: T;
}

/** A rendered file the local control plane cannot read: the message names the file and the fix. */
export class RenderedFilesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RenderedFilesError';
  }
}

const RERENDER = 'run `pnpm mesh render` to write the rendered files again';

function readYaml(path: string, repoRoot: string): unknown[] {
  const file = relative(repoRoot, path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new RenderedFilesError(`${file} cannot be read; ${RERENDER}`);
  }
  const documents = parseAllDocuments(text);
  const list = Array.isArray(documents) ? documents : [documents];
  const out: unknown[] = [];
  for (const document of list) {
    const error = document.errors[0];
    if (error) throw new RenderedFilesError(`${file} is not valid YAML (${error.message.split('\n')[0]!.replace(/:$/, '')}); fix the file or ${RERENDER}`);
    const value: unknown = document.toJS();
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

function asObject(value: unknown, file: string): RenderedObject {
  const object = value as Partial<RenderedObject> | null;
  const name = object?.metadata?.name;
  if (!object || typeof object !== 'object' || typeof object.kind !== 'string' || typeof object.apiVersion !== 'string' || typeof name !== 'string' || !name) {
    throw new RenderedFilesError(`${file} holds a document that is not a Kubernetes object (it needs apiVersion, kind and metadata.name); fix the file or ${RERENDER}`);
  }
  return object as RenderedObject;
}

/** The objects a kustomization folder sends: its resources, files and folders alike, in order. */
function kustomization(folder: string, repoRoot: string, seen: Set<string>): { file: string; object: RenderedObject }[] {
  const path = join(folder, 'kustomization.yaml');
  const file = relative(repoRoot, path);
  if (!existsSync(path)) throw new RenderedFilesError(`${file} does not exist; ${RERENDER}`);
  if (seen.has(path)) return [];
  seen.add(path);
  const [document] = readYaml(path, repoRoot) as { resources?: unknown }[];
  const resources = document?.resources ?? [];
  if (!Array.isArray(resources) || resources.some((r) => typeof r !== 'string')) {
    throw new RenderedFilesError(`${file}: resources must be a list of paths; fix the file or ${RERENDER}`);
  }
  const out: { file: string; object: RenderedObject }[] = [];
  for (const entry of resources as string[]) {
    const target = resolve(folder, entry);
    if (!relative(repoRoot, target) || relative(repoRoot, target).startsWith('..')) {
      throw new RenderedFilesError(`${file} names ${entry}, outside the repository; fix the file or ${RERENDER}`);
    }
    if (!existsSync(target)) throw new RenderedFilesError(`${file} names ${entry}, which does not exist; ${RERENDER}`);
    if (statSync(target).isDirectory()) {
      out.push(...kustomization(target, repoRoot, seen));
      continue;
    }
    const sourceFile = relative(repoRoot, target);
    for (const value of readYaml(target, repoRoot)) out.push({ file: sourceFile, object: asObject(value, sourceFile) });
  }
  return out;
}

/** The step folders that exist for a cluster, by step index (a step that changes nothing has none). */
function stepFolders(walkthrough: Walkthrough, base: string, upTo: number): string[] {
  const folders = [base];
  const steps = join(base, 'steps');
  const present = existsSync(steps) ? readdirSync(steps) : [];
  for (let i = 1; i <= upTo; i++) {
    const name = `${i}-${walkthrough.steps[i]!.name}`;
    if (present.includes(name)) folders.push(join(steps, name));
  }
  return folders;
}

export interface RenderedCluster {
  name: string;
  objects: Sourced[];
  /**
   * Istio only: the Helm values istiod was installed with (`istiod-values.yaml`, beside the
   * kustomization but not part of it), whose meshConfig decides mesh-wide defaults.
   */
  istiodValues?: { file: string; values: Record<string, unknown> };
}

/** Every cluster's objects after applying the target's folders up to `step`. */
export function readRenderedTarget(repoRoot: string, walkthrough: Walkthrough, target: LocalTarget, step: string): RenderedCluster[] {
  const index = stepIndex(walkthrough, step);
  return walkthrough.clusters.map((cluster) => {
    const base = join(repoRoot, targetFolder(walkthrough, target, cluster));
    if (!existsSync(base)) throw new RenderedFilesError(`${relative(repoRoot, base)} does not exist; ${RERENDER}`);
    const byKey = new Map<string, Sourced>();
    for (const folder of stepFolders(walkthrough, base, index)) {
      for (const { file, object } of kustomization(folder, repoRoot, new Set())) {
        if (object.kind === 'Kustomization') continue;
        const key = `${object.apiVersion.split('/')[0]}|${object.kind}|${object.metadata.namespace ?? ''}|${object.metadata.name}`;
        byKey.delete(key);
        byKey.set(key, { cluster: cluster.name, file, object });
      }
    }
    const values = join(base, 'istiod-values.yaml');
    const istiodValues =
      target === 'istio' && existsSync(values) ? { file: relative(repoRoot, values), values: (readYaml(values, repoRoot)[0] ?? {}) as Record<string, unknown> } : undefined;
    return { name: cluster.name, objects: [...byKey.values()], ...(istiodValues ? { istiodValues } : {}) };
  });
}
