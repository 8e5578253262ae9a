/** What the live targets' renderers wrote, parsed, for the tests to look into. */
import { parseAllDocuments, parse } from 'yaml';
import type { RenderedFile } from '../../src/render/files.js';
import { renderIstio } from '../../src/render/istio/index.js';
import { renderLattice } from '../../src/render/lattice/index.js';
import { targetFolder, type LiveTarget } from '../../src/render/layout.js';
import { renderServiceConnect } from '../../src/render/service-connect/index.js';
import type { Walkthrough } from '../../src/model/walkthrough.js';

export type Obj = { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string> } } & Record<string, unknown>;

export const RENDERERS: Record<LiveTarget, (w: Walkthrough) => RenderedFile[]> = {
  istio: renderIstio,
  lattice: renderLattice,
  'service-connect': renderServiceConnect,
};

export function isCloudFormation(path: string): boolean {
  return path.includes('/cloudformation/') || path.startsWith('ecs/');
}

/** Kubernetes objects of a target's files (kustomizations, Helm values and CloudFormation left out). */
export function kubernetesObjects(files: readonly RenderedFile[]): { file: string; object: Obj }[] {
  return files
    .filter((f) => f.path.endsWith('.yaml') && !isCloudFormation(f.path) && !f.path.endsWith('kustomization.yaml') && !f.path.endsWith('-values.yaml'))
    .flatMap((f) => parseAllDocuments(f.content).map((d) => ({ file: f.path, object: d.toJS() as Obj })));
}

export function cloudFormation(files: readonly RenderedFile[]): { file: string; template: Record<string, unknown> }[] {
  return files.filter((f) => f.path.endsWith('.yaml') && isCloudFormation(f.path)).map((f) => ({ file: f.path, template: parse(f.content) as Record<string, unknown> }));
}

/** The folder of a walkthrough's cluster on a target. */
export function clusterFolderOf(walkthrough: Walkthrough, target: LiveTarget, cluster: string): string {
  return targetFolder(walkthrough, target, walkthrough.clusters.find((c) => c.name === cluster)!);
}

/** Follows a path of keys and indexes into a value; undefined where it leads nowhere. */
export function at(value: unknown, path: readonly (string | number)[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}
