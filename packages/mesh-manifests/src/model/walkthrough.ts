/**
 * One walkthrough, defined once: its clusters and accounts, every resource in its first state,
 * the named steps that change them, what a learner calls and checks, and what the original
 * material got wrong. Renderers, the docs generator and the local mesh all read this.
 */
import type { AppMeshResource, ObjectMeta } from './appmesh.js';
import type { AwsResource } from './aws.js';
import type { Check, Entry, Expectation, ExpectedResponse } from './checks.js';
import type { Ingress, KongConsumer, KongPlugin, Namespace, Secret, Service } from './kubernetes.js';
import type { CheckJa, EntryJa, Localized, ResponseJa, StepJa } from './text.js';
import type { Workload } from './workload.js';

export const WALKTHROUGH_NAMES = [
  'mesh-basics',
  'ingress-gateway-ecs',
  'ingress-gateway-eks',
  'dj-kong-ingress',
  'yelb-multi-account',
  'yelb-canary-observability',
] as const;

export type WalkthroughName = (typeof WALKTHROUGH_NAMES)[number];

/** Everything a cluster holds. Every resource has a `kind` and `metadata.name`. */
export type Resource =
  | AppMeshResource
  | Workload
  | Namespace
  | Service
  | Ingress
  | Secret
  | KongPlugin
  | KongConsumer
  | AwsResource;

export type ResourceKind = Resource['kind'];

export interface Account {
  name: string;
  title: string;
  /** Example account ID shown in the rendered files until the learner sets theirs. */
  exampleId: string;
}

export interface Cluster {
  /** `main` for single-cluster walkthroughs; rendered into a sub-folder of that name otherwise. */
  name: string;
  title: string;
  /** Name of the EKS or ECS cluster the learner creates. */
  clusterName: string;
  account: string;
  vpcCidr?: string;
  resources: Resource[];
}

export type Change =
  | { op: 'put'; cluster?: string; resource: Resource }
  | { op: 'delete'; cluster?: string; kind: ResourceKind; name: string; namespace?: string };

export interface Step {
  name: string;
  title: string;
  /** What the learner does and why, one or two sentences. */
  summary: string;
  /** The title and summary in the Japanese guides (required for a walkthrough with guides: see `GuidedWalkthrough`). */
  ja?: StepJa;
  changes: Change[];
}

/**
 * A public document: a blog post, a slide deck, a walkthrough in a public repository. The guides
 * cite it, so a reader can check every claim about "the original" without this repository's
 * authors.
 */
export interface Citation {
  /** As published, in its own language. */
  title: string;
  /** Who wrote, presented or translated it, as credited; absent when the page names nobody. */
  author?: string;
  /** Where it is published: the blog, the slide host, the repository. */
  site: string;
  /**
   * When it was published: `YYYY-MM-DD`, `YYYY-MM` when only the month is certain, or
   * `YYYY-MM-DD to YYYY-MM-DD` for a series; absent for a living document such as a repository.
   */
  date?: string;
  /** Absent only when no address could be confirmed; `related` then carries the ones that were. */
  url?: string;
}

/** The original a walkthrough follows, and what that original itself rests on. */
export interface Source extends Citation {
  /**
   * Other public documents the walkthrough draws on: the post a translation renders, the AWS
   * walkthrough a hands-on report followed, the sample app it reuses.
   */
  related?: Citation[];
}

export interface Correction {
  /** What the original said or did. */
  original: Localized;
  /** What is right, and what this repository does instead. */
  correction: Localized;
}

export interface Walkthrough {
  name: WalkthroughName;
  title: string;
  /** The public article or deck it follows, cited at the top of its guide. */
  source: Source;
  teaches: Localized[];
  platform: 'eks' | 'ecs';
  /** Example region in rendered ARNs. */
  region: string;
  accounts: Account[];
  clusters: Cluster[];
  /**
   * Ordered; the first step is the starting state (its changes are usually empty), each later one
   * changes what the previous left.
   */
  steps: Step[];
  entries: Entry[];
  checks: Check[];
  corrections: Correction[];
}

type WithJa<R> = R & { ja: ResponseJa };

/** Each variant of an expectation with its responses' labels translated; distributes over the union. */
type TranslatedResponses<E> = E extends unknown
  ? { [K in keyof E]: E[K] extends ExpectedResponse ? WithJa<E[K]> : E[K] extends readonly (infer R extends ExpectedResponse)[] ? WithJa<R>[] : E[K] }
  : never;

/** An expectation whose every response label has its Japanese form. */
export type GuidedExpectation = TranslatedResponses<Expectation>;

/** A response as a guided walkthrough's helpers build it. */
export type GuidedResponse = WithJa<ExpectedResponse>;

export type GuidedCheck = Omit<Check, 'expect' | 'ja'> & { ja: CheckJa; expect: GuidedExpectation };

/**
 * A walkthrough with guides in every language (docs/walkthroughs/ and docs/walkthroughs/ja/): every
 * string the guides print has its Japanese beside the English, so a definition missing one does not
 * type-check. Fixtures with no guide stay plain `Walkthrough`s.
 */
export interface GuidedWalkthrough extends Walkthrough {
  steps: (Step & { ja: StepJa })[];
  entries: (Entry & { ja: EntryJa })[];
  checks: GuidedCheck[];
}

export function resourceKey(resource: { kind: string; metadata: ObjectMeta }): string {
  return `${resource.kind}/${resource.metadata.namespace ?? ''}/${resource.metadata.name}`;
}
