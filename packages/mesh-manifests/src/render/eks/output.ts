import type { CommentedObject } from '../yaml.js';

/** A Kubernetes object as the EKS renderer emits it, with the file it goes to. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface EmittedObject extends CommentedObject {
  object: K8sObject;
  /** File name inside the kustomize folder, e.g. `deployments.yaml`. */
  file: string;
}

export function objectId(object: K8sObject): string {
  return `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}
