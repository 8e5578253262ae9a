/**
 * Transport B of the transport A/B (bench/transport-ab.ts): a sidecar process that is
 * src/process/proxy-main.ts with node:http downstream and undici upstream. Same configuration
 * stream, same admin interface, same tracing hooks, and the same `HttpProxy` (routing, weighted
 * clusters, retries, timeouts, header rewriting, request buffering) built with the options
 * `ProxyRuntime` gives it; only the listener (bench/transport-node-exchange.ts) and the clusters'
 * connections (bench/transport-undici-cluster.ts) differ.
 *
 * `ProxyRuntime` builds its listeners and clusters itself, so this file has a runtime of its own
 * for what the A/B configures: plain-HTTP listeners and clusters. TCP listeners, TLS, StatsD,
 * Kong and CONNECT tunnels are refused or absent. The A/B runs it from JavaScript that
 * bench/transport-build.ts emits with its `../src/` imports pointed at dist/, so both transports
 * run the same build of the proxy, neither under a TypeScript loader.
 */
import type { Server } from 'node:http';
import { createLogger, env, readConfig, runMain } from '@amw/service-kit/core';
import { subscribe } from '../src/control-plane/stream.js';
import { accessLogSink } from '../src/proxy/access-log.js';
import { startAdmin } from '../src/proxy/admin.js';
import type { HttpListenerConfig, ProxyConfig } from '../src/proxy/config.js';
import { HttpProxy, type RequestContext } from '../src/proxy/http-proxy.js';
import { LOCAL_REPLIES } from '../src/proxy/local-reply.js';
import { compileRoutes, type RouteTable } from '../src/proxy/routing.js';
import type { ProxyRuntime, RuntimeHooks } from '../src/proxy/runtime.js';
import { Stats } from '../src/proxy/stats.js';
import { tracingHooks } from '../src/proxy/tracing.js';
import { nodeHttpServer } from './transport-node-exchange.js';
import { UndiciCluster } from './transport-undici-cluster.js';

/** As ProxyRuntime's passthrough: egress to a host no virtual service covers. */
const PASSTHROUGH_TIMEOUT_MS = 15_000;

interface RunningListener {
  config: HttpListenerConfig;
  server: Server;
  table: { current: RouteTable };
  port: number;
}

/** The part of ProxyRuntime that startAdmin and the proxies read, over undici clusters and node:http listeners. */
class UndiciRuntime {
  readonly stats = new Stats();
  readonly startedAt = Date.now();
  config: ProxyConfig | undefined;
  live = false;
  private readonly clusters = new Map<string, UndiciCluster>();
  private readonly passthroughClusters = new Map<string, UndiciCluster>();
  private readonly listeners = new Map<string, RunningListener>();

  constructor(private readonly hooks: RuntimeHooks) {
    this.stats.gauge('server.live', 0);
  }

  allClusters(): UndiciCluster[] {
    return [...this.clusters.values(), ...this.passthroughClusters.values()];
  }

  listenerPorts(): Record<string, number> {
    return Object.fromEntries([...this.listeners].map(([name, running]) => [name, running.port]));
  }

  async apply(config: ProxyConfig): Promise<void> {
    const unsupported = [
      ...config.listeners.filter((l) => l.protocol !== 'http').map((l) => `TCP listener ${l.name}`),
      ...config.listeners.filter((l) => l.tls && l.tls.mode !== 'DISABLED').map((l) => `TLS on listener ${l.name}`),
      ...(config.statsd ? ['StatsD'] : []),
      ...(config.kong ? ['Kong'] : []),
    ];
    if (unsupported.length > 0) throw new Error(`not supported by the node:http + undici transport: ${unsupported.join(', ')}`);

    const wanted = new Set(config.clusters.map((c) => c.name));
    for (const settings of config.clusters) {
      const existing = this.clusters.get(settings.name);
      if (existing) existing.update(settings);
      else this.clusters.set(settings.name, new UndiciCluster(settings, this.stats));
    }
    for (const [name, cluster] of this.clusters) {
      if (wanted.has(name)) continue;
      cluster.close();
      this.clusters.delete(name);
    }
    for (const cluster of this.passthroughClusters.values()) cluster.close();
    this.passthroughClusters.clear();

    this.config = config;
    const keep = new Set<string>();
    for (const listenerConfig of config.listeners as HttpListenerConfig[]) {
      keep.add(listenerConfig.name);
      const running = this.listeners.get(listenerConfig.name);
      if (running && running.config.host === listenerConfig.host && running.config.port === listenerConfig.port && running.config.accessLogPath === listenerConfig.accessLogPath) {
        running.config = listenerConfig;
        running.table.current = compileRoutes(listenerConfig.virtualHosts, listenerConfig.virtualServices);
        continue;
      }
      if (running) await closeServer(running.server);
      this.listeners.set(listenerConfig.name, await this.start(listenerConfig));
    }
    for (const [name, running] of this.listeners) {
      if (keep.has(name)) continue;
      await closeServer(running.server);
      this.listeners.delete(name);
    }
    this.live = true;
    this.stats.gauge('server.live', 1);
    this.stats.inc('control_plane.config_updates');
  }

  /** The HttpProxy exactly as ProxyRuntime.start builds it for an HTTP listener; only the server differs. */
  private async start(config: HttpListenerConfig): Promise<RunningListener> {
    const table = { current: compileRoutes(config.virtualHosts, config.virtualServices) };
    const accessLog = config.accessLogPath ? accessLogSink(config.accessLogPath) : undefined;
    const running: RunningListener = { config, server: undefined as unknown as Server, table, port: config.port };
    const proxy: HttpProxy = new HttpProxy({
      stats: this.stats,
      statPrefix: config.statPrefix,
      routes: () => table.current,
      cluster: (name) => this.clusters.get(name),
      serverHeader: 'envoy',
      ...(config.meshPort !== undefined ? { listenerPort: config.meshPort } : {}),
      ...(accessLog ? { accessLog } : {}),
      onUnmatchedHost: (_exchange, ctx) => this.unmatched(running, proxy, ctx),
      ...this.hooks.httpOptions?.(config),
    });
    const server = nodeHttpServer((exchange) => proxy.handle(exchange));
    // The listener's connection stats, as the codec's Listener keeps them.
    const prefix = `listener.${config.statAddress}.`;
    this.stats.declare(prefix + 'downstream_cx_total');
    server.on('connection', (socket) => {
      this.stats.inc(prefix + 'downstream_cx_total');
      this.stats.addGauge(prefix + 'downstream_cx_active', 1);
      socket.once('close', () => this.stats.addGauge(prefix + 'downstream_cx_active', -1));
    });
    server.on('drop', () => this.stats.inc(prefix + 'downstream_cx_overflow'));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    running.server = server;
    running.port = (server.address() as { port: number }).port;
    return running;
  }

  /** Egress for a host no virtual service covers, as ProxyRuntime decides it. */
  private unmatched(running: RunningListener, proxy: HttpProxy, ctx: RequestContext): void {
    if (running.config.unmatched === 'not-found') {
      proxy.reply(ctx, LOCAL_REPLIES.noRoute);
      return;
    }
    const authority = ctx.exchange.head.authority.toLowerCase();
    const key = /:\d+$/.test(authority) ? authority : `${authority}:80`;
    let cluster = this.passthroughClusters.get(key);
    if (!cluster) {
      const [host, port] = [key.slice(0, key.lastIndexOf(':')), Number(key.slice(key.lastIndexOf(':') + 1))];
      cluster = new UndiciCluster({ name: 'PassthroughCluster', endpoints: this.config?.passthrough[key] ?? [{ host, port }] }, this.stats);
      this.passthroughClusters.set(key, cluster);
    }
    ctx.cluster = cluster;
    proxy.forward(ctx, cluster, { timeoutMs: PASSTHROUGH_TIMEOUT_MS });
  }

  async close(): Promise<void> {
    for (const running of this.listeners.values()) await closeServer(running.server);
    this.listeners.clear();
    for (const cluster of this.allClusters()) cluster.close();
    this.clusters.clear();
    this.passthroughClusters.clear();
  }
}

function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  return closed;
}

runMain('local-mesh proxy (node:http + undici)', async () => {
  const config = readConfig({
    AMW_PROXY_ID: env.string(),
    AMW_CONTROL_PLANE: env.url()(),
    AMW_ADMIN_PORT: env.port(),
    // Read so that both transports are started with the same environment; only sidecars here.
    AMW_PROXY_KIND: env.oneOf(['envoy'] as const)({ default: 'envoy' }),
  });
  const logger = createLogger({ service: config.AMW_PROXY_KIND }).child({ proxy: config.AMW_PROXY_ID });
  const runtime: UndiciRuntime = new UndiciRuntime(tracingHooks(() => runtime.config));
  // startAdmin reads only what UndiciRuntime has (live, config, stats, clusters, listener ports).
  const admin = await startAdmin(runtime as unknown as ProxyRuntime, config.AMW_ADMIN_PORT);
  logger.info('admin listening', { port: admin.port });

  let applying = Promise.resolve();
  let lastVersion: string | undefined;
  const unsubscribe = subscribe(config.AMW_CONTROL_PLANE.toString(), config.AMW_PROXY_ID, (proxyConfig) => {
    applying = applying.then(async () => {
      try {
        await runtime.apply(proxyConfig);
        if (proxyConfig.version !== lastVersion) {
          logger.info('configuration applied', { version: proxyConfig.version, listeners: runtime.listenerPorts() });
          lastVersion = proxyConfig.version;
        }
      } catch (error) {
        logger.error('configuration rejected', { version: proxyConfig.version, error });
      }
    });
  });

  const stop = async (signal: string) => {
    logger.info('shutting down', { signal });
    unsubscribe();
    await runtime.close();
    admin.server.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
});
