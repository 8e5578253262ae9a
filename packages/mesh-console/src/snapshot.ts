import type { LoadEntry, LoadProgress } from './load.js';

/**
 * What a run's `GET /v1/console/events` pushes, one JSON snapshot per event: the server
 * (`@amw/local-mesh`) writes it, the page reads it. Defined here, in the package both import.
 */

/** Columns of the topology, left to right: where traffic comes in, down to the processes. */
export const TIERS = ['entry', 'gateway', 'service', 'router', 'node', 'instance'] as const;
export type Tier = (typeof TIERS)[number];

export interface TopologyNode {
  /** Unique in the snapshot, e.g. `node:main/mesh-test/vnode-1`. */
  id: string;
  tier: Tier;
  label: string;
  /** A second line: a kind, a hostname, a pod's readiness. */
  detail?: string;
}

export interface TopologyEdge {
  from: string;
  to: string;
  /** What the edge is configured with: a route's match and weight, a gateway route's prefix. */
  label?: string;
  /** Configured weight of a router's target, when the edge is one. */
  weight?: number;
}

export interface Topology {
  nodes: TopologyNode[];
  edges: TopologyEdge[];
}

/** Counts from a client proxy's `cluster.<name>.upstream_rq_2xx` and `upstream_rq_total`. */
export interface TargetCounts {
  rq2xx: number;
  total: number;
}

export interface SplitTarget {
  /** The Envoy cluster the client proxies send this target's share to. */
  cluster: string;
  /** The virtual node behind the cluster, as the topology names it. */
  label: string;
  weight: number;
  /** Requests the route's client proxies sent to this cluster since the console connected. */
  observed: TargetCounts;
}

/** A route with more than one weighted target, as the control plane published it. */
export interface RouteSplit {
  id: string;
  /** The route's name, e.g. `route-1`, and the router or service it belongs to. */
  label: string;
  /** The proxies that apply this route (its clients), by process name. */
  clients: string[];
  targets: SplitTarget[];
}

export interface ProcessHealth {
  name: string;
  ready: boolean;
  restarts: number;
  pid?: number;
}

export interface ConsoleSnapshot {
  walkthrough: { name: string; title: string };
  step: { name: string; title: string; summary: string };
  steps: { name: string; title: string }[];
  /** A step change in flight, if any. */
  applying?: string;
  processes: ProcessHealth[];
  topology: Topology;
  splits: RouteSplit[];
  /** Since when `observed` counts (ISO time the console connected, or the step last changed). */
  countingSince: string;
  /** When this snapshot was taken (ISO). */
  at: string;
  /** The load button: the entries it may send through, and the running or last burst. */
  load: { entries: LoadEntry[]; burst?: LoadProgress };
  /** Whether a proxy of this step sends X-Ray segments; the traces panel is empty otherwise. */
  tracing: boolean;
  /** Client proxies whose stats could not be read for this snapshot, and why. */
  statsErrors: string[];
}
