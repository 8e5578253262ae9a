/**
 * A running proxy: applies each configuration the control plane pushes, the way Envoy applies
 * xDS updates — clusters are updated in place (connections and health kept), listeners keep
 * their sockets when only their routes or TLS change, and nothing restarts.
 */
import type { Socket } from 'node:net';
import { serveConnection, type Exchange } from '../http1/server-connection.js';
import { accessLogSink } from './access-log.js';
import { Cluster } from './cluster.js';
import type { HttpListenerConfig, ListenerConfig, ProxyConfig } from './config.js';
import { HttpProxy, type HttpProxyOptions, type RequestContext } from './http-proxy.js';
import type { Listener} from './listener.js';
import { httpListener, tcpListener } from './listener.js';
import { LOCAL_REPLIES } from './local-reply.js';
import { compileRoutes, pickByWeight, type RouteTable } from './routing.js';
import { Stats } from './stats.js';
import { sendDatagram } from './udp.js';

const PASSTHROUGH_TIMEOUT_MS = 15_000;

interface RunningListener {
  config: ListenerConfig;
  listener: Listener;
  table?: { current: RouteTable };
  proxy?: HttpProxy;
}

export interface RuntimeHooks {
  /** Extra proxy options per HTTP listener (tracing). */
  httpOptions?: (config: HttpListenerConfig) => Partial<HttpProxyOptions>;
  /** Replaces the Envoy request path of HTTP listeners altogether (the Kong ingress). */
  handler?: (config: HttpListenerConfig) => ((exchange: Exchange) => void) | undefined;
}

export class ProxyRuntime {
  readonly stats = new Stats();
  readonly startedAt = Date.now();
  config: ProxyConfig | undefined;
  private applied = false;
  private readonly clusters = new Map<string, Cluster>();
  private readonly listeners = new Map<string, RunningListener>();
  private readonly passthroughClusters = new Map<string, Cluster>();
  private statsdTimer: NodeJS.Timeout | undefined;
  private readonly statsdSent = new Map<string, number>();

  constructor(private readonly hooks: RuntimeHooks = {}) {
    this.stats.gauge('server.live', 0);
  }

  /**
   * LIVE once a configuration has been applied in full, listeners bound: a caller that waits for
   * `/ready` may send traffic at once, as with Envoy after its initial fetch.
   */
  get live(): boolean {
    return this.applied;
  }

  cluster(name: string): Cluster | undefined {
    return this.clusters.get(name);
  }

  allClusters(): Cluster[] {
    return [...this.clusters.values(), ...this.passthroughClusters.values()];
  }

  async apply(config: ProxyConfig): Promise<void> {
    const wanted = new Set(config.clusters.map((c) => c.name));
    for (const settings of config.clusters) {
      const existing = this.clusters.get(settings.name);
      if (existing) existing.update(settings);
      else this.clusters.set(settings.name, new Cluster(settings, this.stats));
    }
    for (const [name, cluster] of this.clusters) {
      if (!wanted.has(name)) {
        cluster.close();
        this.clusters.delete(name);
      }
    }
    for (const cluster of this.passthroughClusters.values()) cluster.close();
    this.passthroughClusters.clear();

    this.config = config;
    const keep = new Set<string>();
    for (const listenerConfig of config.listeners) {
      keep.add(listenerConfig.name);
      const running = this.listeners.get(listenerConfig.name);
      if (running && sameBinding(running.config, listenerConfig)) {
        running.config = listenerConfig;
        running.listener.setTls(listenerConfig.tls);
        if (running.table && listenerConfig.protocol === 'http') running.table.current = compileRoutes(listenerConfig.virtualHosts, listenerConfig.virtualServices);
        continue;
      }
      if (running) await running.listener.close();
      const started = this.start(listenerConfig);
      this.listeners.set(listenerConfig.name, started);
      await started.listener.listen();
    }
    for (const [name, running] of this.listeners) {
      if (!keep.has(name)) {
        await running.listener.close();
        this.listeners.delete(name);
      }
    }
    this.applied = true;
    this.stats.gauge('server.live', 1);
    this.stats.inc('control_plane.config_updates');
    this.scheduleStatsd();
  }

  /** Envoy's DogStatsD sink: every flush interval, the stats that changed go to the agent. */
  private scheduleStatsd(): void {
    clearInterval(this.statsdTimer);
    const statsd = this.config?.statsd;
    if (!statsd) return;
    this.statsdTimer = setInterval(() => {
      const lines = this.stats.dogStatsdLines(this.statsdSent, statsd.tags);
      // One datagram per batch of lines, under a typical MTU.
      let batch = '';
      for (const line of lines) {
        if (batch.length + line.length > 1400) {
          sendDatagram(statsd.address, batch);
          batch = '';
        }
        batch += (batch ? '\n' : '') + line;
      }
      if (batch) sendDatagram(statsd.address, batch);
    }, statsd.flushIntervalMs);
    this.statsdTimer.unref();
  }

  private start(config: ListenerConfig): RunningListener {
    const base = { host: config.host, port: config.port, statAddress: config.statAddress, stats: this.stats, ...(config.tls ? { tls: config.tls } : {}) };
    const accessLog = config.accessLogPath ? accessLogSink(config.accessLogPath) : undefined;
    if (config.protocol === 'tcp') {
      const listener = tcpListener(base, {
        statPrefix: config.statPrefix,
        // Per connection, from the listener's current configuration (a step may have changed the weights).
        cluster: () => {
          const current = (this.listeners.get(config.name)?.config as typeof config | undefined) ?? config;
          const name = pickByWeight(current.clusters);
          return name === undefined ? undefined : this.clusters.get(name);
        },
        ...(accessLog ? { accessLog } : {}),
        ...(config.idleTimeoutMs ? { idleTimeoutMs: config.idleTimeoutMs } : {}),
      });
      return { config, listener };
    }
    const table = { current: compileRoutes(config.virtualHosts, config.virtualServices) };
    const running: RunningListener = { config, listener: undefined as unknown as Listener, table };
    const proxy = new HttpProxy({
      stats: this.stats,
      statPrefix: config.statPrefix,
      routes: () => table.current,
      cluster: (name) => this.clusters.get(name),
      serverHeader: 'envoy',
      ...(config.meshPort !== undefined ? { listenerPort: config.meshPort } : {}),
      ...(accessLog ? { accessLog } : {}),
      onUnmatchedHost: (exchange, ctx) => this.unmatched(running, proxy, exchange, ctx),
      ...this.hooks.httpOptions?.(config),
    });
    running.proxy = proxy;
    const custom = this.hooks.handler?.(config);
    if (custom) {
      running.listener = httpListener(base, custom);
      return running;
    }
    const handle = (exchange: Exchange) => {
      if (exchange.head.method === 'CONNECT') this.tunnel(exchange, handle);
      else proxy.handle(exchange);
    };
    running.listener = httpListener(base, handle);
    return running;
  }

  /** Egress for a host no virtual service covers: Envoy's egress filter decides. */
  private unmatched(running: RunningListener, proxy: HttpProxy, exchange: Exchange, ctx: RequestContext): void {
    const config = running.config as HttpListenerConfig;
    if (config.unmatched === 'not-found' || config.unmatched === 'blackhole') {
      proxy.reply(ctx, config.unmatched === 'blackhole' ? LOCAL_REPLIES.blackHole : LOCAL_REPLIES.noRoute);
      return;
    }
    const authority = exchange.head.authority.toLowerCase();
    const key = /:\d+$/.test(authority) ? authority : `${authority}:80`;
    let cluster = this.passthroughClusters.get(key);
    if (!cluster) {
      const known = this.config?.passthrough[key];
      const [host, port] = [key.slice(0, key.lastIndexOf(':')), Number(key.slice(key.lastIndexOf(':') + 1))];
      const endpoints = known ?? [{ host, port }];
      cluster = new Cluster({ name: 'PassthroughCluster', endpoints }, this.stats);
      this.passthroughClusters.set(key, cluster);
    }
    ctx.cluster = cluster;
    proxy.forward(ctx, cluster, { timeoutMs: PASSTHROUGH_TIMEOUT_MS });
  }

  /** CONNECT from a client that tunnels through HTTP_PROXY: serve the tunnel as plain HTTP. */
  private tunnel(exchange: Exchange, handle: (exchange: Exchange) => void): void {
    const { socket, leftover } = exchange.takeOver();
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (leftover.length > 0) socket.unshift(leftover);
    serveConnection(socket as Socket, handle, { secure: false });
  }

  listenerPorts(): Record<string, number> {
    return Object.fromEntries([...this.listeners].map(([name, running]) => [name, running.listener.port]));
  }

  async close(): Promise<void> {
    clearInterval(this.statsdTimer);
    for (const running of this.listeners.values()) await running.listener.close();
    this.listeners.clear();
    for (const cluster of this.allClusters()) cluster.close();
    this.clusters.clear();
    this.passthroughClusters.clear();
  }
}

function sameBinding(a: ListenerConfig, b: ListenerConfig): boolean {
  return a.protocol === b.protocol && a.host === b.host && a.port === b.port && a.accessLogPath === b.accessLogPath;
}
