/**
 * Kong's configuration as the Kong Ingress Controller derives it from Kubernetes objects: one
 * route per Ingress path (strip path and preserve host from annotations), the plugins the
 * `konghq.com/plugins` annotation names, consumers and their key-auth credentials from Secrets.
 */

export interface KongPluginConfig {
  name: 'key-auth' | 'rate-limiting';
  /** KongPlugin object name, for logs. */
  instance: string;
  config: Record<string, unknown>;
}

export interface KongRoute {
  /** `<namespace>.<ingress>.<service>.<port>` as KIC names routes. */
  name: string;
  /** Prefix paths; `/dj/jazz` matches `/dj/jazz` and `/dj/jazz/…`. */
  paths: string[];
  /** Only requests for these hosts, when the Ingress rule names one. */
  hosts: string[];
  stripPath: boolean;
  preserveHost: boolean;
  /** The Kubernetes Service the route proxies to, addressed by its cluster DNS name. */
  service: { host: string; port: number };
  plugins: KongPluginConfig[];
}

export interface KongConsumerConfig {
  id: string;
  username: string;
  keys: string[];
}

export interface KongConfig {
  routes: KongRoute[];
  consumers: KongConsumerConfig[];
  /** Where Kong's outbound calls go: its own Envoy sidecar's egress listener. */
  upstreamProxy: { host: string; port: number };
}

/** Plugin execution order is by priority, high first, as in Kong. */
export const KONG_PLUGIN_PRIORITY: Record<KongPluginConfig['name'], number> = {
  'key-auth': 1250,
  'rate-limiting': 910,
};

export const KONG_VERSION = '3.9.1';
