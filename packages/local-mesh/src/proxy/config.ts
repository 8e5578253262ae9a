/**
 * What the control plane sends each proxy: the local equivalent of the listeners, routes,
 * clusters and endpoints App Mesh streams to Envoy over xDS. Plain JSON, so it can travel over
 * the control plane's stream and be shown verbatim in `/config_dump`.
 */
import type { KongConfig } from '../kong/config.js';
import type { ClusterSettings } from './cluster.js';
import type { ListenerTls } from './listener.js';
import type { Route, VirtualHost, WeightedCluster } from './routing.js';

export interface ProxyNode {
  /** Unique per proxy instance, e.g. `mesh-basics/mesh-test/vnode-1-0`. */
  id: string;
  /** What App Mesh puts in APPMESH_RESOURCE_ARN: `mesh/<mesh>/virtualNode/<name>`. */
  resourceArn: string;
  mesh: string;
  kind: 'sidecar' | 'gateway' | 'ingress';
  /** Cluster (account group) the workload runs in, for multi-account walkthroughs. */
  cluster: string;
}

interface ListenerBase {
  name: string;
  /** Where it binds on this machine. */
  host: string;
  port: number;
  /** The address Envoy would report, e.g. `0.0.0.0_15000`, used in stat names. */
  statAddress: string;
  tls?: ListenerTls;
  accessLogPath?: string;
}

export interface HttpListenerConfig extends ListenerBase {
  protocol: 'http';
  statPrefix: string;
  virtualHosts: VirtualHost[];
  /** Gateways: the routes of each virtual service a gateway route targets, matched after the rewrite. */
  virtualServices?: Record<string, Route[]>;
  /**
   * Egress filter for hosts no virtual host covers: ALLOW_ALL passes through, DROP_ALL answers 404,
   * `blackhole` answers 502 (Istio's REGISTRY_ONLY: its `block_all` virtual host).
   */
  unmatched: 'passthrough' | 'not-found' | 'blackhole';
  /** The port the mesh objects name (App Mesh listener port), for port-matching routes. */
  meshPort?: number;
}

export interface TcpListenerConfig extends ListenerBase {
  protocol: 'tcp';
  statPrefix: string;
  /** Each connection goes to one of these, by weight (Envoy's TCP proxy weighted_clusters). */
  clusters: WeightedCluster[];
  idleTimeoutMs?: number;
}

export type ListenerConfig = HttpListenerConfig | TcpListenerConfig;

export interface PassthroughTarget {
  host: string;
  port: number;
}

export interface TracingConfig {
  /** host:port of the X-Ray daemon (UDP). */
  daemonAddress: string;
  /** Segment name, as App Mesh names Envoy's segments: `<mesh>/<virtual node>`. */
  segmentName: string;
}

export interface StatsdConfig {
  /** host:port of the CloudWatch agent's StatsD listener (UDP). */
  address: string;
  /** Envoy flushes its stats every 5 s by default. */
  flushIntervalMs: number;
  /** Tags App Mesh adds with ENABLE_ENVOY_STATS_TAGS=1 (`appmesh.mesh`, `appmesh.virtual_node`…). */
  tags: Record<string, string>;
}

export interface ProxyConfig {
  version: string;
  node: ProxyNode;
  listeners: ListenerConfig[];
  clusters: ClusterSettings[];
  /**
   * What the workload's DNS and kube-proxy would do for names the mesh does not route
   * (`svc-v` by short name, a Kubernetes Service): where passthrough traffic lands.
   */
  passthrough: Record<string, PassthroughTarget[]>;
  tracing?: TracingConfig;
  /** ENABLE_ENVOY_DOG_STATSD=1: metrics pushed to a CloudWatch agent sidecar. */
  statsd?: StatsdConfig;
  /** Kong ingress proxies only: routes, plugins and consumers derived from the Kubernetes objects. */
  kong?: KongConfig;
}
