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
  /** How the node is doing, from readiness and its callers' proxies' stats (see `health.ts`). */
  health?: NodeHealth;
  /**
   * Requests this instance's sidecar sent to hosts that are none of its declared backends
   * (`cluster.PassthroughCluster.upstream_rq_total`, egress ALLOW_ALL), and those it refused
   * (`NR` in its access log, egress DROP_ALL), since the proxy started.
   */
  undeclared?: { passedThrough: number; refused: number };
}

export type HealthState = 'healthy' | 'degraded' | 'unhealthy' | 'unknown';

export interface NodeHealth {
  state: HealthState;
  /** The reason in words, e.g. `1 of 2 endpoints ejected (outlier detection)`. */
  reason: string;
}

/** TLS on an edge as the proxies really set it up: what the caller originates and the listener accepts. */
export type EdgeTls =
  | 'tls'
  | 'mtls'
  /** Caller and listener disagree (one sends TLS, the other plain text): requests fail. */
  | 'mismatch';

export interface TopologyEdge {
  from: string;
  to: string;
  /** What the edge is configured with: a route's match and weight, a gateway route's prefix. */
  label?: string;
  /** Configured weight of a router's target, when the edge is one. */
  weight?: number;
  tls?: EdgeTls;
  /** The TLS settings in words (`mTLS: listener STRICT, client certificate required`). */
  tlsNote?: string;
}

/** A mesh's egress filter: DROP_ALL refuses calls to anything but declared backends. */
export interface MeshEgress {
  mesh: string;
  filter: 'ALLOW_ALL' | 'DROP_ALL';
}

export interface Topology {
  nodes: TopologyNode[];
  edges: TopologyEdge[];
  /** One per mesh of the step (a multi-account walkthrough shares one). */
  egress?: MeshEgress[];
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
  /**
   * What the run's mesh is read from: `appmesh` (the definition), or a live target's rendered
   * files (`istio`, `lattice`, with their folder).
   */
  target?: { name: string; files?: string };
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
  /** Kong proxies' answers by status since they started, read from their access logs (401: no key, 429: rate limit). */
  kong: KongCounters[];
  /** The latest access log lines of every proxy that writes one, oldest first. */
  accessLog: AccessLogLine[];
}

export interface KongCounters {
  proxy: string;
  byStatus: Record<string, number>;
  total: number;
}

export interface AccessLogLine {
  proxy: string;
  line: string;
  /** When the proxy logged it (ms since the epoch, from the line's own time). */
  at: number;
  status?: number;
}
