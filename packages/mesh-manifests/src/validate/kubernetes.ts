/**
 * Validates rendered Kubernetes objects against Kubernetes' own OpenAPI schemas, as packaged by
 * `kubernetes-models`. Custom resources (App Mesh, Kong) are validated elsewhere.
 */
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { IngressClass } from 'kubernetes-models/networking.k8s.io/v1/IngressClass';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';

interface Validatable {
  validate(): void;
}

const MODELS: Record<string, new (data: never) => Validatable> = {
  'apps/v1/DaemonSet': DaemonSet,
  'apps/v1/Deployment': Deployment,
  'networking.k8s.io/v1/Ingress': Ingress,
  'networking.k8s.io/v1/IngressClass': IngressClass,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
};

export function isKubernetesBuiltin(object: { apiVersion?: unknown; kind?: unknown }): boolean {
  return `${String(object.apiVersion)}/${String(object.kind)}` in MODELS;
}

/** Problems with one object, empty when it is valid. An unknown built-in kind is a problem too: it would go unchecked. */
export function validateKubernetesObject(value: object): string[] {
  const object = value as { apiVersion?: unknown; kind?: unknown };
  const Model = MODELS[`${String(object.apiVersion)}/${String(object.kind)}`];
  if (!Model) return [`no Kubernetes schema known for ${String(object.apiVersion)} ${String(object.kind)}`];
  try {
    new Model(object as never).validate();
    return [];
  } catch (error) {
    return String(error instanceof Error ? error.message : error)
      .split(/,\s*(?=data)/)
      .map((line) => line.trim())
      .filter(Boolean);
  }
}
