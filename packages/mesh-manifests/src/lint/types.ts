/**
 * Shapes shared by the lint: what goes in (Kubernetes objects, optionally with where they came
 * from), what comes out (findings a learner can act on), and the options that change a verdict.
 */

export type Severity = 'error' | 'warning';

export type RuleId =
  | 'invalid-yaml'
  | 'missing-reference'
  | 'namespace-not-in-mesh'
  | 'sidecar-injection-off'
  | 'ambiguous-selector'
  | 'service-name-mismatch'
  | 'selector-misses-pods'
  | 'route-weights'
  | 'port-mismatch'
  | 'undeclared-backend'
  | 'short-name-call'
  | 'gateway-route-unmatched'
  | 'cross-account-unshared'
  | 'unknown-envoy-image'
  | 'outdated-envoy-image'
  | 'target-weights'
  | 'unknown-subset'
  | 'missing-backend'
  | 'sidecar-egress'
  | 'tls-mode-mismatch'
  | 'lattice-unsupported';

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

/** Any Kubernetes object, read loosely: a learner's hand-written YAML may miss any field. */
export interface K8sObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: unknown;
  [key: string]: unknown;
}

/** A path into an object, as `yaml` and JSON pointers see it: keys and array indexes. */
export type FieldPath = readonly (string | number)[];

/** Where an object came from, so a finding can point at a file and line. */
export interface SourceRef {
  /** Path of the file as it should be printed (relative to where the user ran the command). */
  file?: string;
  /** 1-based line of the object's first line. */
  line?: number;
  /** 1-based line of a field inside the object, when the source still knows it. */
  locate?: (path: FieldPath) => number | undefined;
}

/** One input to `lintObjects`: a bare object (from a renderer) or an object with its source. */
export type LintInput = K8sObject | { object: K8sObject; source: SourceRef };

export interface ObjectId {
  kind: string;
  namespace?: string;
  name: string;
}

export interface Finding {
  ruleId: RuleId;
  severity: Severity;
  file?: string;
  line?: number;
  object: ObjectId;
  /** What is wrong, naming the objects involved. */
  message: string;
  /** How to fix it, concretely. */
  fix: string;
}

export interface LintOptions {
  /**
   * The AWS account that applies these manifests (the local account). Used by
   * `cross-account-unshared` when a Mesh has no `meshOwner` of its own.
   */
  accountId?: string;
  /** Only run these rules (all when absent). */
  rules?: readonly RuleId[];
  /** Namespace for namespaced objects that name none (kubectl's default). */
  defaultNamespace?: string;
}

export interface LintResult {
  findings: Finding[];
  errors: number;
  warnings: number;
  /** Kubernetes objects looked at. */
  objects: number;
}
