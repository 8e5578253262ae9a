/**
 * What a Kubernetes target's renderer carries while it emits one cluster at one step, and the
 * helpers that record each object in the translation log as they emit it.
 */
import type { FeatureId } from '../../migrate/features.js';
import { keyOf, type TargetRef, type TranslationLog } from '../../migrate/translation.js';
import type { Cluster, Walkthrough } from '../../model/walkthrough.js';
import { kongObject } from '../eks/index.js';
import type { EmittedObject, K8sObject } from '../eks/output.js';
import type { MeshGraph } from '../mesh-graph.js';

export interface TargetContext {
  walkthrough: Walkthrough;
  cluster: Cluster;
  graph: MeshGraph;
  objects: EmittedObject[];
  log?: TranslationLog;
}

/** Any App Mesh or Kubernetes object, as the translation log names it. */
export type Named = { kind: string; metadata: { name: string; namespace?: string } };

/** Where a rendered object (or one field of it, by `path`) is, for the migration report. */
export function ref(context: TargetContext, object: K8sObject, path?: (string | number)[]): TargetRef {
  return {
    cluster: context.cluster.name,
    kind: object.kind,
    name: object.metadata.name,
    ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
    ...(path ? { path } : {}),
  };
}

/** Records that a feature use of `source` (in `cluster`) became `refs`. */
export function carry(context: { log?: TranslationLog }, feature: FeatureId, cluster: string, source: Named, field: string, ...refs: TargetRef[]): void {
  context.log?.carry(keyOf(feature, cluster, source, field), ...refs);
}

export function emit(context: TargetContext, file: string, object: K8sObject, comment?: string): K8sObject {
  context.objects.push({ file, object, ...(comment ? { comment } : {}) });
  return object;
}

/** Kong's own objects, applied as they are on every target; an Ingress carries the walkthrough's Kong ingress. */
export function emitKongObjects(context: TargetContext): void {
  for (const resource of context.graph.resources) {
    if (resource.kind !== 'Ingress' && resource.kind !== 'KongPlugin' && resource.kind !== 'KongConsumer' && resource.kind !== 'Secret') continue;
    const emitted = kongObject(resource);
    context.objects.push(emitted);
    if (resource.kind === 'Ingress') carry(context, 'kong-ingress', context.cluster.name, resource, '', ref(context, emitted.object));
  }
}
