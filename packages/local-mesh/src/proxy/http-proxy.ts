/**
 * The HTTP request path of every local proxy (sidecar listeners, virtual gateways, the Kong
 * ingress): match a route, pick a weighted cluster and an endpoint, forward with retries and
 * timeouts, stream the answer back, and account for it in stats and the access log.
 */
import { randomUUID } from 'node:crypto';
import { BodyScanner } from '../http1/body.js';
import { UpstreamError, type UpstreamConnection } from '../http1/client-connection.js';
import { forwardHeaders, getHeader, removeHeader, type HeaderList, type ResponseHead } from '../http1/head.js';
import type { Exchange } from '../http1/server-connection.js';
import { formatHttpAccess, type AccessLogSink, type HttpAccessEntry } from './access-log.js';
import { OverflowError, type Cluster, type EndpointState } from './cluster.js';
import { LOCAL_REPLIES, type LocalReply } from './local-reply.js';
import { findVirtualHost, pickWeighted, rewritePath, selectRoute, type CompiledRoute, type RetryEvent, type RouteTable } from './routing.js';
import type { Stats } from './stats.js';

/** What a proxy knows about the request beyond its bytes, for plugins and tracing. */
export interface RequestContext {
  exchange: Exchange;
  route?: CompiledRoute;
  cluster?: Cluster;
  upstreamHost?: string;
  flags: string[];
  requestId: string;
  /** Original path before a rewrite, for the access log's X-ENVOY-ORIGINAL-PATH. */
  originalPath: string;
  upstreamServiceTimeMs?: number;
  status?: number;
}

export interface HttpProxyOptions {
  stats: Stats;
  /** Envoy's HTTP connection manager stat prefix: `ingress`, `egress`, or a gateway's. */
  statPrefix: string;
  routes: () => RouteTable;
  cluster: (name: string) => Cluster | undefined;
  /** When no virtual host matches: Envoy's passthrough (egress ALLOW_ALL) or a 404. */
  onUnmatchedHost?: (exchange: Exchange, ctx: RequestContext) => void;
  accessLog?: AccessLogSink;
  listenerPort?: number;
  /** Runs before routing; may answer the request itself (Kong's plugins). Returns true if it did. */
  beforeRoute?: (ctx: RequestContext) => boolean;
  /** Adjusts the upstream request (Kong strips paths and sets the upstream Host). */
  rewriteUpstream?: (ctx: RequestContext, upstream: { path: string; headers: HeaderList }) => void;
  /** Adds headers to the downstream answer (Kong's rate-limit headers). */
  decorateResponse?: (ctx: RequestContext, headers: HeaderList) => void;
  /** Called once per request when it is over. */
  onComplete?: (ctx: RequestContext, entry: HttpAccessEntry) => void;
  /** Whether onComplete wants this request (tracing wants sampled ones only); spares building its entry. */
  completes?: (ctx: RequestContext) => boolean;
  /** Envoy overwrites the Server header of answers it proxies; Kong does not. */
  serverHeader?: string;
}

/** What a route decides about forwarding, once it has matched. */
type RoutePolicy = Pick<CompiledRoute, 'rewrite' | 'retry' | 'timeoutMs' | 'idleTimeoutMs'>;

const RETRY_STATUS: Record<Exclude<RetryEvent, 'stream-error' | 'connection-error'>, (status: number) => boolean> = {
  'server-error': (s) => s >= 500,
  'gateway-error': (s) => s === 502 || s === 503 || s === 504,
  // App Mesh maps client-error to Envoy's retriable-4xx, which retries 409 only.
  'client-error': (s) => s === 409,
};

function retriableStatus(events: RetryEvent[], status: number): boolean {
  return events.some((event) => event in RETRY_STATUS && RETRY_STATUS[event as keyof typeof RETRY_STATUS](status));
}

/** server-error and gateway-error include Envoy's reset policy; connection-error is connect-failure. */
function retriableFailure(events: RetryEvent[], error: UpstreamError | 'timeout'): boolean {
  if (error === 'timeout') return events.includes('server-error') || events.includes('gateway-error');
  if (events.includes('server-error') || events.includes('gateway-error') || events.includes('stream-error')) return true;
  return events.includes('connection-error') && error.reason === 'connection failure';
}

/** Replaced by the proxy's own Content-Length: request bodies are buffered before they go upstream. */
const BODY_FRAMING_HEADERS: readonly string[] = ['transfer-encoding', 'content-length'];
const NO_HEADERS: readonly string[] = [];

/** Envoy's default back-off: full jitter over 25 ms × 2^attempt, capped at 250 ms. */
function backoffMs(attempt: number): number {
  return Math.random() * Math.min(250, 25 * 2 ** attempt);
}

export class HttpProxy {
  /** Stat names used on every request, built once. */
  private readonly requestTotalStat: string;
  /** `downstream_rq_<class>xx` by status class (1 to 5). */
  private readonly classStats: string[];

  constructor(private readonly options: HttpProxyOptions) {
    const prefix = `http.${options.statPrefix}.`;
    this.requestTotalStat = `${prefix}downstream_rq_total`;
    this.classStats = [1, 2, 3, 4, 5].map((klass) => `${prefix}downstream_rq_${klass}xx`);
    for (const name of ['downstream_rq_total', 'downstream_rq_2xx', 'downstream_rq_4xx', 'downstream_rq_5xx']) {
      options.stats.declare(prefix + name);
    }
  }

  handle(exchange: Exchange): void {
    const { head } = exchange;
    const ctx: RequestContext = {
      exchange,
      flags: [],
      requestId: getHeader(head.headers, 'x-request-id') ?? randomUUID(),
      originalPath: head.path,
    };
    this.options.stats.inc(this.requestTotalStat);
    if (this.options.beforeRoute?.(ctx)) return;

    const table = this.options.routes();
    const host = findVirtualHost(table, head.authority);
    if (!host) {
      if (this.options.onUnmatchedHost) this.options.onUnmatchedHost(exchange, ctx);
      else this.reply(ctx, LOCAL_REPLIES.noRoute);
      return;
    }
    // Per connection, not per listener: a PERMISSIVE listener takes TLS and plain text on one port.
    const scheme = exchange.secure ? 'https' : 'http';
    const route = selectRoute(host.routes, {
      method: head.method,
      path: head.path,
      headers: head.headers,
      authority: head.authority,
      scheme,
      ...(this.options.listenerPort !== undefined ? { port: this.options.listenerPort } : {}),
    });
    if (!route) {
      this.reply(ctx, LOCAL_REPLIES.noRoute);
      return;
    }
    ctx.route = route;
    if (route.deny) {
      this.reply(ctx, { status: route.deny.status, body: route.deny.body, flag: route.deny.flag ?? '' });
      return;
    }
    let policy: RoutePolicy = route;
    let target: CompiledRoute = route;
    if (route.virtualService !== undefined) {
      // A gateway route: match the rewritten request against the virtual service's own routes.
      const inner = selectRoute(table.virtualServices?.get(route.virtualService) ?? [], {
        method: head.method,
        path: rewritePath(head.path, route.rewrite),
        headers: head.headers,
        authority: route.rewrite?.hostname ?? head.authority,
        scheme,
      });
      if (!inner) {
        this.reply(ctx, LOCAL_REPLIES.noRoute);
        return;
      }
      target = inner;
      policy = {
        ...(route.rewrite ? { rewrite: route.rewrite } : {}),
        ...(inner.retry ? { retry: inner.retry } : {}),
        timeoutMs: inner.timeoutMs,
        ...(inner.idleTimeoutMs !== undefined ? { idleTimeoutMs: inner.idleTimeoutMs } : {}),
      };
    }
    const clusterName = pickWeighted(target);
    const cluster = clusterName ? this.options.cluster(clusterName) : undefined;
    if (!cluster) {
      this.reply(ctx, clusterName ? LOCAL_REPLIES.noCluster : LOCAL_REPLIES.noHealthyUpstream);
      return;
    }
    ctx.cluster = cluster;
    this.forward(ctx, cluster, policy);
  }

  /** Sends the request to `cluster`, honouring the route's rewrite, retry and timeout policy. */
  forward(ctx: RequestContext, cluster: Cluster, route: RoutePolicy): void {
    const { exchange } = ctx;
    const { head } = exchange;
    const rewrite = route.rewrite;
    const path = rewritePath(head.path, rewrite);
    // The body was buffered, so it always goes upstream with a Content-Length of its own.
    const append: string[] = [];
    if (exchange.body.length > 0 || head.framing.kind !== 'none') append.push('content-length', String(exchange.body.length));
    if (path !== head.path) append.push('x-envoy-original-path', head.path);
    const set = [
      'host',
      rewrite?.hostname ?? (head.authority || getHeader(head.headers, 'host') || 'localhost'),
      'x-forwarded-proto',
      exchange.secure ? 'https' : 'http',
      'x-request-id',
      ctx.requestId,
    ];
    if (route.timeoutMs > 0) set.push('x-envoy-expected-rq-timeout-ms', String(route.timeoutMs));
    const headers = forwardHeaders(head.headers, BODY_FRAMING_HEADERS, append, set);
    const upstream = { path, headers };
    this.options.rewriteUpstream?.(ctx, upstream);

    const retry = route.retry;
    const started = process.hrtime.bigint();
    let attempt = 0;
    let connection: UpstreamConnection | undefined;
    let endpoint: EndpointState | undefined;
    let tryTimer: NodeJS.Timeout | undefined;
    let settled = false;
    // The route timeout covers the whole answer, as Envoy's does: once the head has gone out, a
    // late body is cut off (the stream reset) rather than left to run.
    const timedOut = (reply: LocalReply, stat: string) => {
      if (settled) return;
      this.stats.inc(stat);
      abandon();
      if (!exchange.headSent) {
        finishWith(reply);
        return;
      }
      settled = true;
      clearTimeout(overall);
      clearTimeout(idleTimer);
      ctx.flags.push(reply.flag);
      exchange.abort();
      this.complete(ctx, ctx.status ?? 0);
    };
    const overall = route.timeoutMs > 0 ? setTimeout(() => timedOut(LOCAL_REPLIES.timeout, cluster.stat('upstream_rq_timeout')), route.timeoutMs) : undefined;
    // The idle timeout (App Mesh's `idle`): no byte from upstream for that long ends the stream.
    // One timer per request, re-armed for the rest of the interval when it finds recent activity.
    let lastActivity = performance.now();
    let idleTimer: NodeJS.Timeout | undefined;
    const idleMs = route.idleTimeoutMs ?? 0;
    const checkIdle = () => {
      const left = lastActivity + idleMs - performance.now();
      if (left > 0) idleTimer = setTimeout(checkIdle, left);
      else timedOut(LOCAL_REPLIES.streamIdle, `http.${this.options.statPrefix}.downstream_rq_idle_timeout`);
    };
    if (idleMs > 0) idleTimer = setTimeout(checkIdle, idleMs);
    const touch = idleMs > 0 ? () => (lastActivity = performance.now()) : undefined;

    const abandon = () => {
      clearTimeout(tryTimer);
      if (connection) {
        connection.destroy();
        if (endpoint) cluster.release(endpoint, connection, false);
      }
      connection = undefined;
    };
    const finishWith = (reply: LocalReply) => {
      if (settled) return;
      settled = true;
      clearTimeout(overall);
      clearTimeout(idleTimer);
      this.reply(ctx, reply);
    };
    exchange.onClientGone(() => {
      if (settled) return;
      settled = true;
      clearTimeout(overall);
      clearTimeout(idleTimer);
      abandon();
      ctx.flags.push('DC');
      this.complete(ctx, 0);
    });

    const retryOr = (failure: UpstreamError | 'timeout', reply: LocalReply) => {
      if (retry && attempt < retry.maxRetries && retriableFailure(retry.events, failure)) {
        attempt++;
        this.stats.inc(cluster.stat('upstream_rq_retry'));
        setTimeout(tryOnce, backoffMs(attempt));
        return;
      }
      if (retry && attempt >= retry.maxRetries && attempt > 0) ctx.flags.push('URX');
      finishWith(reply);
    };

    const tryOnce = (): void => {
      if (settled) return;
      const chosen = cluster.pick(endpoint);
      if (!chosen) {
        finishWith(LOCAL_REPLIES.noHealthyUpstream);
        return;
      }
      endpoint = chosen;
      ctx.upstreamHost = chosen.key;
      this.stats.inc(cluster.stat('upstream_rq_total'));
      const use = (conn: UpstreamConnection): void => {
        if (settled) {
          cluster.release(chosen, conn, conn.alive);
          return;
        }
        connection = conn;
        if (retry && retry.perTryTimeoutMs > 0) {
          tryTimer = setTimeout(() => {
            if (exchange.headSent || settled) return;
            this.stats.inc(cluster.stat('upstream_rq_per_try_timeout'));
            cluster.recordResult(chosen, 504);
            abandon();
            retryOr('timeout', LOCAL_REPLIES.timeout);
          }, retry.perTryTimeoutMs);
        }
        this.exchangeOnce(ctx, cluster, chosen, conn, upstream, started, {
          onRetriable: (status) => {
            if (!retry || attempt >= retry.maxRetries || !retriableStatus(retry.events, status)) return false;
            clearTimeout(tryTimer);
            cluster.recordResult(chosen, status);
            connection = undefined;
            conn.destroy();
            cluster.release(chosen, conn, false);
            attempt++;
            this.stats.inc(cluster.stat('upstream_rq_retry'));
            setTimeout(tryOnce, backoffMs(attempt));
            return true;
          },
          onDone: () => {
            settled = true;
            clearTimeout(tryTimer);
            clearTimeout(overall);
            clearTimeout(idleTimer);
            connection = undefined;
          },
          ...(touch ? { onActivity: touch } : {}),
          onFailure: (error) => {
            clearTimeout(tryTimer);
            connection = undefined;
            cluster.recordResult(chosen, error);
            if (exchange.headSent) {
              // Too late for a local reply: cut the client off, as Envoy resets the stream.
              settled = true;
              clearTimeout(overall);
              clearTimeout(idleTimer);
              ctx.flags.push('UPE');
              exchange.abort();
              this.complete(ctx, ctx.status ?? 0);
              return;
            }
            const reply =
              error.reason === 'connection failure'
                ? LOCAL_REPLIES.connectionFailure
                : error.reason === 'protocol error'
                  ? LOCAL_REPLIES.protocolError
                  : LOCAL_REPLIES.connectionTermination;
            retryOr(error, reply);
          },
        });
      };
      // A kept-alive connection is used at once; only opening one (or queueing) waits.
      const idle = cluster.takeIdle(chosen);
      if (idle !== undefined) {
        use(idle);
        return;
      }
      cluster.acquire(chosen).then(
        use,
        (error: unknown) => {
          if (settled) return;
          if (error instanceof OverflowError) {
            finishWith(LOCAL_REPLIES.overflow);
            return;
          }
          const failure = error instanceof UpstreamError ? error : new UpstreamError('connection failure', false, error);
          cluster.recordResult(chosen, failure);
          retryOr(failure, LOCAL_REPLIES.connectionFailure);
        },
      );
    };
    tryOnce();
  }

  private exchangeOnce(
    ctx: RequestContext,
    cluster: Cluster,
    endpoint: EndpointState,
    connection: UpstreamConnection,
    upstream: { path: string; headers: HeaderList },
    started: bigint,
    hooks: { onRetriable: (status: number) => boolean; onDone: () => void; onFailure: (error: UpstreamError) => void; onActivity?: () => void },
  ): void {
    const { exchange } = ctx;
    let decoder: BodyScanner | undefined;
    // Backpressure: when the client cannot take more, stop reading from the upstream until it has.
    let paused = false;
    const written = (more: boolean) => {
      if (more || paused) return;
      paused = true;
      connection.pause();
      exchange.whenDrained(() => {
        paused = false;
        connection.resume();
      });
    };
    connection.send(
      exchange.head.method,
      upstream.path,
      upstream.headers,
      exchange.body,
      {
        onHead: (head: ResponseHead, more: boolean) => {
          hooks.onActivity?.();
          if (hooks.onRetriable(head.status)) return;
          ctx.status = head.status;
          ctx.upstreamServiceTimeMs = Math.round(Number(process.hrtime.bigint() - started) / 1e6);
          const set = ['x-envoy-upstream-service-time', String(ctx.upstreamServiceTimeMs)];
          if (this.options.serverHeader !== undefined) set.unshift('server', this.options.serverHeader);
          const headers = forwardHeaders(head.headers, NO_HEADERS, NO_HEADERS, set);
          this.options.decorateResponse?.(ctx, headers);
          let closeDelimited = head.framing.kind === 'close';
          if (head.framing.kind === 'chunked' && exchange.head.version === '1.0') {
            // An HTTP/1.0 client cannot read chunked framing: send the payload, end by closing.
            removeHeader(headers, 'transfer-encoding');
            closeDelimited = true;
            decoder = new BodyScanner(head.framing, (slice) => written(exchange.write(Buffer.from(slice), slice.length)));
          }
          // The head waits for the body bytes that came with it when there are some to wait for.
          exchange.sendHead(head.status, head.reason, headers, closeDelimited, more && decoder === undefined);
        },
        onBody: (chunk, payloadBytes) => {
          hooks.onActivity?.();
          if (decoder) decoder.scan(chunk);
          else written(exchange.write(chunk, payloadBytes));
        },
        onEnd: () => {
          hooks.onDone();
          cluster.recordResult(endpoint, ctx.status ?? 0);
          this.countUpstream(cluster, ctx.status ?? 0, Number(process.hrtime.bigint() - started) / 1e6);
          exchange.end();
          this.complete(ctx, ctx.status ?? 0);
        },
        onError: (error) => hooks.onFailure(error),
      },
      (reusable) => cluster.release(endpoint, connection, reusable),
    );
  }

  private countUpstream(cluster: Cluster, status: number, ms: number): void {
    const stats = this.options.stats;
    const [byStatus, byClass] = cluster.statusStats(status);
    stats.inc(byStatus);
    stats.inc(byClass);
    stats.inc(cluster.stat('upstream_rq_completed'));
    stats.observe(cluster.stat('upstream_rq_time'), ms);
  }

  private get stats(): Stats {
    return this.options.stats;
  }

  /** Answers locally, Envoy style. */
  reply(ctx: RequestContext, reply: LocalReply, extraHeaders: HeaderList = []): void {
    if (reply.flag) ctx.flags.push(reply.flag);
    ctx.status = reply.status;
    const headers: HeaderList = [...extraHeaders];
    if (reply.body) headers.push('content-type', 'text/plain');
    headers.push('date', new Date().toUTCString());
    if (this.options.serverHeader !== undefined) headers.push('server', this.options.serverHeader);
    this.options.decorateResponse?.(ctx, headers);
    ctx.exchange.respond(reply.status, headers, reply.body);
    this.complete(ctx, reply.status);
  }

  complete(ctx: RequestContext, status: number): void {
    const { exchange } = ctx;
    const { head } = exchange;
    const klass = Math.floor(status / 100);
    if (klass >= 2 && klass <= 5) this.stats.inc(this.classStats[klass - 1]!);
    const { accessLog, onComplete, completes } = this.options;
    const notify = onComplete !== undefined && (completes === undefined || completes(ctx));
    if (accessLog === undefined && !notify) return;
    const entry: HttpAccessEntry = {
      startTime: exchange.startTime,
      method: head.method,
      path: ctx.originalPath,
      protocol: `HTTP/${head.version}`,
      status,
      flags: ctx.flags,
      bytesReceived: exchange.body.length,
      bytesSent: exchange.bytesSent,
      durationMs: Number(process.hrtime.bigint() - exchange.startNs) / 1e6,
      ...(ctx.upstreamServiceTimeMs !== undefined ? { upstreamServiceTimeMs: ctx.upstreamServiceTimeMs } : {}),
      forwardedFor: getHeader(head.headers, 'x-forwarded-for'),
      userAgent: getHeader(head.headers, 'user-agent'),
      requestId: ctx.requestId,
      authority: head.authority,
      ...(ctx.upstreamHost ? { upstreamHost: ctx.upstreamHost } : {}),
    };
    accessLog?.(formatHttpAccess(entry));
    if (notify) onComplete(ctx, entry);
  }
}
