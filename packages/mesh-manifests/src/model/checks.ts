/**
 * What a learner runs to see a walkthrough work, and what they should see: the same list drives the
 * guides' "expected output" and, later, the local end-to-end tests. JSON bodies are compared by
 * value, because the rewritten apps serialise differently from the originals (whitespace is not a
 * contract); plain-text bodies (a colour, a vote count) exactly, because that text is the answer.
 */
import type { CheckJa, EntryJa, Localized, ResponseJa } from './text.js';

/** How a response body is recognised. */
export type BodyMatch =
  | { equals: string }
  | { json: unknown }
  | { contains: string }
  /** A JavaScript regular expression (no flags), searched anywhere in the body. */
  | { matches: string }
  | { anyOf: BodyMatch[] }
  | { not: BodyMatch };

export interface ExpectedResponse {
  /** Defaults to 200. */
  status?: number;
  body?: BodyMatch;
  /** How a person would describe it in the guide, e.g. "the v1 jazz list". */
  label: string;
  /** The label in the Japanese guides (required for a walkthrough with guides: see `GuidedWalkthrough`). */
  ja?: ResponseJa;
}

export type Expectation =
  /** Every response looks like this. */
  | { kind: 'always'; response: ExpectedResponse }
  /** Each response is one of these; which one is not predictable. */
  | { kind: 'oneOf'; responses: ExpectedResponse[] }
  /** Over `samples` requests the responses split by these weights (a weighted route, a canary). */
  | { kind: 'distribution'; samples: number; outcomes: (ExpectedResponse & { weight: number })[] }
  /** Requests sent back to back within a minute answer in this order (a rate limit). */
  | { kind: 'sequence'; responses: ExpectedResponse[] }
  /** One request yields one trace with one span per hop, in order (virtual node names). */
  | { kind: 'trace'; hops: string[] };

export interface CheckRequest {
  /** `Walkthrough.entries` name the request goes to. */
  entry: string;
  method?: 'GET' | 'POST';
  /** Path (and query) on the entry; for an `exec` entry, the full URL the client calls. */
  path: string;
  headers?: Record<string, string>;
}

export interface Check {
  name: string;
  title: string;
  /** The step from which on this holds (`Walkthrough.steps` name); absent = the first. */
  step?: string;
  /** Later steps may break it (e.g. a canary check before promotion): the last step it holds at. */
  until?: string;
  request: CheckRequest;
  expect: Expectation;
  /** Why the result looks the way it does. */
  explain?: Localized;
  /** The title in the Japanese guides (required for a walkthrough with guides: see `GuidedWalkthrough`). */
  ja?: CheckJa;
}

/** What a learner calls: a load balancer, a port-forward, a shell in a pod, an Envoy admin port. */
export type Entry =
  | {
      name: string;
      title: string;
      ja?: EntryJa;
      kind: 'load-balancer';
      /** Cluster (by name) and Service the load balancer belongs to. */
      cluster?: string;
      service: { name: string; namespace?: string };
      port: number;
      /** Shell variable the guide stores its address in, e.g. `GW_ENDPOINT`. */
      envVar: string;
    }
  | {
      name: string;
      title: string;
      ja?: EntryJa;
      kind: 'exec';
      cluster?: string;
      /** The workload whose container the learner runs curl in. */
      workload: { name: string; namespace?: string };
    }
  | {
      name: string;
      title: string;
      ja?: EntryJa;
      kind: 'envoy-admin';
      cluster?: string;
      workload: { name: string; namespace?: string };
      port: number;
    };

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Whether a response body satisfies a matcher; JSON is compared by value, so spacing never matters. */
export function bodyMatches(match: BodyMatch, body: string): boolean {
  if ('equals' in match) return body === match.equals;
  if ('contains' in match) return body.includes(match.contains);
  if ('matches' in match) return new RegExp(match.matches).test(body);
  if ('anyOf' in match) return match.anyOf.some((m) => bodyMatches(m, body));
  if ('not' in match) return !bodyMatches(match.not, body);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return false;
  }
  return jsonEqual(parsed, match.json);
}

/** How the guides print a matcher: what a learner should see. */
export function describeBody(match: BodyMatch): string {
  if ('equals' in match) return match.equals === '' ? '(empty body)' : match.equals;
  if ('contains' in match) return `…${match.contains}…`;
  if ('matches' in match) return `text matching /${match.matches}/`;
  if ('anyOf' in match) return match.anyOf.map(describeBody).join(' or ');
  if ('not' in match) return `anything but ${describeBody(match.not)}`;
  return JSON.stringify(match.json);
}
