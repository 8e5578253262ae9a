/**
 * What became of each App Mesh feature use on a target. Two halves keep the account honest:
 *
 * - while it renders, a target's renderer records evidence: the object (and field) it wrote for a
 *   use, or that it had to leave a use out and why;
 * - the target's policy says, per feature, what evidence means: carried, carried in part (and how
 *   it differs), not needed on that target, or not carried — with the reason and the workaround.
 *
 * Resolving the two over every use the definition holds is the migration report. A feature the
 * policy expects to be carried but the renderer wrote nothing for is an error, and so is evidence
 * for a use the definition does not have: neither half can claim what the other did not do.
 */
import type { LiveTarget } from '../render/layout.js';
import type { Route, VirtualRouter } from '../model/appmesh.js';
import { FEATURES, describeObject, resourceUses, useKey, type CollectedUse, type FeatureId, type ObjectRef } from './features.js';

/** An object the target renders (and optionally the field in it) that carries a feature. */
export interface TargetRef extends ObjectRef {
  /** The cluster whose folder holds it (a shared mesh's features may be carried in another cluster). */
  cluster: string;
  /** Path into the object, e.g. `['spec', 'http', 0, 'retries']`. */
  path?: (string | number)[];
  /** For CloudFormation: the template file (kind is the resource type, name the logical ID). */
  file?: string;
}

export type Outcome =
  | { status: 'carried'; to: TargetRef[]; note?: string }
  | { status: 'partly'; to: TargetRef[]; note: string }
  | { status: 'not-needed'; note: string }
  | { status: 'dropped'; reason: string; workaround: string };

export type OutcomeStatus = Outcome['status'];

export interface Translation {
  use: CollectedUse;
  outcome: Outcome;
}

type Text = string | ((use: CollectedUse) => string);

/** What a feature becomes on a target. */
export type FeaturePolicy =
  /** The renderer writes it: evidence is required (an empty list means the target's default carries it). */
  | { status: 'carried' | 'partly'; note?: Text; evidence?: 'required' | 'optional' }
  | { status: 'not-needed'; note: Text }
  | { status: 'dropped'; reason: Text; workaround: Text };

export type TargetPolicy = Partial<Record<FeatureId, FeaturePolicy>>;

export function describeTarget(ref: TargetRef): string {
  const path = ref.path?.length ? ` ${ref.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '')}` : '';
  return `${ref.file ? `${ref.file}: ` : ''}${describeObject(ref)}${path}`;
}

const text = (t: Text, use: CollectedUse) => (typeof t === 'function' ? t(use) : t);

/** The key of a use from the object and field a renderer is looking at. */
export function keyOf(feature: FeatureId, cluster: string, object: { kind: string; metadata: { name: string; namespace?: string } }, field: string): string {
  const { name, namespace } = object.metadata;
  return useKey({ feature, cluster, object: namespace === undefined ? { kind: object.kind, name } : { kind: object.kind, namespace, name }, field });
}

export class TranslationLog {
  private readonly evidence = new Map<string, TargetRef[]>();
  private readonly drops = new Map<string, { reason: string; workaround: string }>();
  private readonly notes = new Map<string, string>();
  private readonly unneeded = new Map<string, string>();

  constructor(readonly target: LiveTarget) {}

  /** A use was written into `ref` (call it again for every object or field that carries it). */
  carry(key: string, ...refs: TargetRef[]): void {
    const known = this.evidence.get(key) ?? [];
    for (const ref of refs) if (!known.some((k) => describeTarget(k) === describeTarget(ref) && k.cluster === ref.cluster)) known.push(ref);
    this.evidence.set(key, known);
  }

  /** A use the renderer had to leave out, whatever the feature's policy (a route with a match the target lacks). */
  drop(key: string, reason: string, workaround: string): void {
    if (!this.drops.has(key)) this.drops.set(key, { reason, workaround });
  }

  /** A router's route the renderer had to leave out: every feature use the route holds is dropped. */
  dropRoute(cluster: string, router: VirtualRouter, route: Route, reason: string, workaround: string): void {
    const field = `routes[${route.name}]`;
    for (const use of resourceUses(cluster, router)) {
      if (use.field === field || use.field.startsWith(`${field}.`)) this.drop(keyOf(use.feature, cluster, router, use.field), reason, workaround);
    }
  }

  /** A use this target needs nothing for, here (a backend list, where every call is allowed anyway). */
  notNeeded(key: string, note: string): void {
    this.unneeded.set(key, note);
  }

  /** A note for one use, read instead of the policy's. */
  note(key: string, note: string): void {
    this.notes.set(key, note);
  }

  /** Every use's outcome: the renderer's evidence read through the target's policy. */
  resolve(uses: readonly CollectedUse[], policy: TargetPolicy): Translation[] {
    const keys = new Set(uses.map(useKey));
    for (const key of [...this.evidence.keys(), ...this.drops.keys(), ...this.unneeded.keys()]) {
      if (!keys.has(key)) throw new Error(`${this.target}: the renderer recorded ${key}, which the definition does not use`);
    }
    return uses.map((use) => {
      const key = useKey(use);
      const dropped = this.drops.get(key);
      if (dropped) return { use, outcome: { status: 'dropped', ...dropped } };
      const unneeded = this.unneeded.get(key);
      if (unneeded) return { use, outcome: { status: 'not-needed', note: unneeded } };
      const rule = policy[use.feature];
      if (!rule) throw new Error(`${this.target}: no policy for ${use.feature} (${FEATURES[use.feature]}), used by ${key}`);
      const note = this.notes.get(key);
      if (rule.status === 'not-needed') return { use, outcome: { status: 'not-needed', note: note ?? text(rule.note, use) } };
      if (rule.status === 'dropped') return { use, outcome: { status: 'dropped', reason: text(rule.reason, use), workaround: text(rule.workaround, use) } };
      const to = this.evidence.get(key);
      if (!to && rule.evidence !== 'optional') throw new Error(`${this.target}: ${key} should be carried, but the renderer wrote nothing for it`);
      const noteText = note ?? (rule.note === undefined ? undefined : text(rule.note, use));
      if (rule.status === 'partly') {
        if (!noteText) throw new Error(`${this.target}: ${use.feature} is carried in part, but no note says how`);
        return { use, outcome: { status: 'partly', to: to ?? [], note: noteText } };
      }
      return { use, outcome: { status: 'carried', to: to ?? [], ...(noteText ? { note: noteText } : {}) } };
    });
  }
}
