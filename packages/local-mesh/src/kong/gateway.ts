/**
 * The Kong proxy of the DJ walkthrough, from the configuration the control plane derived from the
 * Ingress and Kong objects: route by path prefix, run key-auth then rate-limiting, strip the
 * matched path, and send the request to the service's cluster DNS name through Kong's own Envoy
 * sidecar, which applies the mesh's 95:5 canary. Answers and headers are Kong's.
 */
import { getHeader, removeHeader, setHeader, type HeaderList } from '../http1/head.js';
import type { Exchange } from '../http1/server-connection.js';
import { Cluster } from '../proxy/cluster.js';
import { HttpProxy, type RequestContext } from '../proxy/http-proxy.js';
import type { Stats } from '../proxy/stats.js';
import { KONG_PLUGIN_PRIORITY, KONG_VERSION, type KongConfig, type KongRoute } from './config.js';
import { LocalRateLimiter, keyAuth, type PluginContext } from './plugins.js';

const KONG_TIMEOUT_MS = 60_000;
const UPSTREAM_CLUSTER = 'kong-sidecar-egress';

interface KongRequest {
  route: KongRoute;
  path: string;
  plugin: PluginContext;
  started: bigint;
}

function kongError(status: number, message: string): { body: string; headers: HeaderList } {
  return {
    body: JSON.stringify({ message }),
    headers: ['Content-Type', 'application/json; charset=utf-8', 'Server', `kong/${KONG_VERSION}`],
  };
}

/** KIC turns a Prefix path `/dj/jazz` into "exactly this path, or below it". */
function matchesPath(path: string, prefix: string): boolean {
  const pathname = path.split('?')[0]!;
  return pathname === prefix || pathname.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
}

function strip(path: string, prefix: string): string {
  const rest = path.slice(prefix.length);
  if (rest === '' || rest.startsWith('?')) return `/${rest}`;
  return rest.startsWith('/') ? rest : `/${rest}`;
}

export class KongGateway {
  private config: KongConfig | undefined;
  private readonly upstream: Cluster;
  private readonly proxy: HttpProxy;
  private readonly requests = new WeakMap<RequestContext, KongRequest>();
  private readonly limiter: LocalRateLimiter;

  constructor(
    stats: Stats,
    private readonly accessLog?: (line: string) => void,
    /** Clock for the rate limiter's windows. */
    now: () => number = Date.now,
  ) {
    this.limiter = new LocalRateLimiter(now);
    this.upstream = new Cluster({ name: UPSTREAM_CLUSTER, endpoints: [] }, stats);
    this.proxy = new HttpProxy({
      stats,
      statPrefix: 'kong',
      routes: () => ({ hosts: [] }),
      cluster: () => this.upstream,
      rewriteUpstream: (ctx, upstream) => this.rewrite(ctx, upstream),
      decorateResponse: (ctx, headers) => this.decorate(ctx, headers),
      onComplete: (_ctx, entry) =>
        this.accessLog?.(
          `${this.clientIp(_ctx.exchange)} - - [${entry.startTime.toISOString()}] "${entry.method} ${entry.path} ${entry.protocol}" ${entry.status} ${entry.bytesSent} "-" "${entry.userAgent ?? '-'}"`,
        ),
    });
  }

  apply(config: KongConfig): void {
    this.config = config;
    this.upstream.update({ name: UPSTREAM_CLUSTER, endpoints: [config.upstreamProxy] });
  }

  private clientIp(exchange: Exchange): string {
    return (exchange.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  }

  handle(exchange: Exchange): void {
    const config = this.config;
    const { head } = exchange;
    const ctx: RequestContext = { exchange, flags: [], requestId: getHeader(head.headers, 'x-kong-request-id') ?? cryptoId(), originalPath: head.path };
    const host = head.authority.toLowerCase().replace(/:\d+$/, '');
    // Kong picks the route with the longest matching path.
    const route = config?.routes
      .filter((r) => r.hosts.length === 0 || r.hosts.includes(host))
      .flatMap((r) => r.paths.filter((p) => matchesPath(head.path, p)).map((p) => ({ route: r, path: p })))
      .sort((a, b) => b.path.length - a.path.length)[0];
    if (!route) {
      this.answer(ctx, 404, 'no Route matched with those values');
      return;
    }
    const plugin: PluginContext = {
      headers: head.headers,
      query: new URLSearchParams(head.path.split('?')[1] ?? ''),
      clientIp: this.clientIp(exchange),
      responseHeaders: [],
    };
    const request: KongRequest = { route: route.route, path: route.path, plugin, started: process.hrtime.bigint() };
    this.requests.set(ctx, request);
    const ordered = [...route.route.plugins].sort((a, b) => KONG_PLUGIN_PRIORITY[b.name] - KONG_PLUGIN_PRIORITY[a.name]);
    for (const p of ordered) {
      const refusal = p.name === 'key-auth' ? keyAuth(p, config!.consumers, plugin) : this.limiter.check(p, plugin);
      if (refusal) {
        this.answer(ctx, refusal.status, refusal.message, refusal.headers);
        return;
      }
    }
    this.proxy.forward(ctx, this.upstream, { timeoutMs: KONG_TIMEOUT_MS });
  }

  private answer(ctx: RequestContext, status: number, message: string, extra: HeaderList = []): void {
    const { body, headers } = kongError(status, message);
    const kong = this.requests.get(ctx);
    const all = [...headers, ...extra, ...(kong?.plugin.responseHeaders ?? []), 'X-Kong-Response-Latency', '0', 'X-Kong-Request-Id', ctx.requestId];
    ctx.status = status;
    ctx.exchange.respond(status, all, body);
    this.proxy.complete(ctx, status);
  }

  private rewrite(ctx: RequestContext, upstream: { path: string; headers: HeaderList }): void {
    const kong = this.requests.get(ctx)!;
    const { route } = kong;
    const { head } = ctx.exchange;
    const path = route.stripPath ? strip(head.path, kong.path) : head.path;
    const serviceAuthority = `${route.service.host}:${route.service.port}`;
    // Absolute form: the sidecar receives it as an HTTP proxy, as Envoy receives iptables' capture.
    upstream.path = `http://${serviceAuthority}${path}`;
    setHeader(upstream.headers, 'host', route.preserveHost ? head.authority : serviceAuthority);
    // Envoy's own request headers are not Kong's to send.
    removeHeader(upstream.headers, 'x-envoy-expected-rq-timeout-ms');
    removeHeader(upstream.headers, 'x-request-id');
    const clientIp = kong.plugin.clientIp;
    const forwardedFor = getHeader(head.headers, 'x-forwarded-for');
    setHeader(upstream.headers, 'x-forwarded-for', forwardedFor ? `${forwardedFor}, ${clientIp}` : clientIp);
    setHeader(upstream.headers, 'x-forwarded-proto', 'http');
    setHeader(upstream.headers, 'x-forwarded-host', head.authority.replace(/:\d+$/, ''));
    setHeader(upstream.headers, 'x-forwarded-path', head.path.split('?')[0]!);
    if (route.stripPath) setHeader(upstream.headers, 'x-forwarded-prefix', kong.path);
    setHeader(upstream.headers, 'x-real-ip', clientIp);
    setHeader(upstream.headers, 'x-kong-request-id', ctx.requestId);
    const consumer = kong.plugin.consumer;
    if (consumer) {
      setHeader(upstream.headers, 'x-consumer-id', consumer.id);
      setHeader(upstream.headers, 'x-consumer-username', consumer.username);
    }
  }

  private decorate(ctx: RequestContext, headers: HeaderList): void {
    const kong = this.requests.get(ctx);
    if (!kong) return;
    headers.push(...kong.plugin.responseHeaders);
    const upstreamMs = ctx.upstreamServiceTimeMs ?? 0;
    const totalMs = Math.round(Number(process.hrtime.bigint() - kong.started) / 1e6);
    headers.push('X-Kong-Upstream-Latency', String(upstreamMs), 'X-Kong-Proxy-Latency', String(Math.max(0, totalMs - upstreamMs)));
    headers.push('Via', `1.1 kong/${KONG_VERSION}`, 'X-Kong-Request-Id', ctx.requestId);
  }

  close(): void {
    this.upstream.close();
  }
}

function cryptoId(): string {
  return globalThis.crypto.randomUUID().replace(/-/g, '');
}
