/**
 * Transport B's upstream side for the transport A/B (bench/transport-ab.ts): a `Cluster` whose
 * connections are undici's. `HttpProxy` asks a cluster for a connection (`takeIdle`, `acquire`),
 * sends one request on it and gives it back (`release`); here each request gets a lease that
 * dispatches on an undici `Pool` per endpoint, and undici keeps the sockets, their keep-alive and
 * the queue. Everything else of `Cluster` (round robin, outlier detection's bookkeeping, stat
 * names, `/clusters`) is inherited unchanged.
 *
 * The lease is handed to `HttpProxy` as an `UpstreamConnection`: that class has a private
 * constructor (it cannot be extended) and `HttpProxy` uses only its public surface (`send`,
 * `pause`, `resume`, `destroy`, `alive`), which the lease implements.
 */
import { Pool, type Dispatcher } from 'undici';
import { UpstreamError, type ResetReason, type ResponseSink, type UpstreamConnection } from '../src/http1/client-connection.js';
import { MAX_HEAD_BYTES, type BodyFraming, type HeaderList, type ResponseHead } from '../src/http1/head.js';
import { Cluster, type ClusterSettings, type EndpointState } from '../src/proxy/cluster.js';
import type { Stats } from '../src/proxy/stats.js';

/** As the codec's pools (cluster.ts): idle upstream connections close after 4 s, before Node's servers' 5 s. */
const IDLE_CLOSE_MS = 4000;
const DEFAULT_MAX_CONNECTIONS = 1024;
const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

const NO_BODY: BodyFraming = Object.freeze({ kind: 'none' });
const CHUNKED: BodyFraming = Object.freeze({ kind: 'chunked' });
const CLOSE_DELIMITED: BodyFraming = Object.freeze({ kind: 'close' });

/** undici's error codes for an answer it could not parse or that broke its own framing. */
const PROTOCOL_ERRORS = new Set(['UND_ERR_HEADERS_OVERFLOW', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'UND_ERR_RES_EXCEEDED_MAX_SIZE']);

function resetReason(error: Error, requestStarted: boolean): ResetReason {
  // A request that never reached a socket failed to connect (refused, timed out, TLS).
  if (!requestStarted) return 'connection failure';
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (code.startsWith('HPE_') || PROTOCOL_ERRORS.has(code))) return 'protocol error';
  return 'connection termination';
}

/** The response head in the codec's shape; undici has validated it and will deframe the body. */
function responseHead(status: number, raw: Buffer[], reason: string, method: string): ResponseHead {
  const headers: HeaderList = new Array<string>(raw.length);
  let length: string | undefined;
  let chunked = false;
  let close = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1');
    const value = raw[i + 1]!.toString('latin1');
    headers[i] = name;
    headers[i + 1] = value;
    if (name.length === 14 && name.toLowerCase() === 'content-length') length = value;
    else if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') chunked = true;
    else if (name.length === 10 && name.toLowerCase() === 'connection') close ||= /(^|,)\s*close\s*(,|$)/i.test(value);
  }
  const framing =
    method === 'HEAD' || status === 204 || status === 304
      ? NO_BODY
      : chunked
        ? CHUNKED
        : length !== undefined
          ? ({ kind: 'length', length: Number(length) } satisfies BodyFraming)
          : CLOSE_DELIMITED;
  return { version: '1.1', status, reason, headers, keepAlive: !close && framing !== CLOSE_DELIMITED, framing };
}

/**
 * One request on the endpoint's pool, mapped onto the ResponseSink. The legacy handler methods
 * (onConnect, onHeaders, onData, onComplete, onError) are what undici's HTTP/1.1 client calls
 * natively; a handler with the newer onResponse* methods is wrapped, and the wrapper turns each
 * answer's raw headers into an object first. Body chunks arrive deframed, so the sink gets
 * payload bytes, which node:http frames again on the way out.
 */
class UndiciLease implements Dispatcher.DispatchHandler {
  private sink: ResponseSink | null = null;
  private whenIdle: ((reusable: boolean) => void) | null = null;
  private method = 'GET';
  private abortRequest: ((error?: Error) => void) | undefined;
  private resumeBody: (() => void) | undefined;
  private started = false;
  private headSeen = false;
  private paused = false;
  private destroyed = false;

  constructor(private readonly pool: Pool) {}

  get alive(): boolean {
    return !this.destroyed;
  }

  send(method: string, path: string, headers: HeaderList, body: Buffer, sink: ResponseSink, whenIdle: (reusable: boolean) => void): void {
    this.sink = sink;
    this.whenIdle = whenIdle;
    this.method = method;
    // HttpProxy's forwardHeaders has removed what undici refuses in a request (hop-by-hop
    // headers, Expect, Transfer-Encoding) and set a Content-Length that matches the buffered body.
    this.pool.dispatch({ method, path, headers, body: body.length > 0 ? body : null }, this);
  }

  /** Called by HttpProxy from onBody when the client is not keeping up: onData answers false, and undici stops reading. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.resumeBody?.();
  }

  destroy(): void {
    this.destroyed = true;
    this.sink = null;
    this.whenIdle = null;
    // Still queued in the pool, it has no abort yet: onConnect aborts it when it gets one.
    this.abortRequest?.(new Error('abandoned by the proxy'));
  }

  onConnect(abort: (error?: Error) => void): void {
    this.abortRequest = abort;
    this.started = true;
    if (this.destroyed) abort(new Error('abandoned by the proxy'));
  }

  onHeaders(status: number, raw: Buffer[], resume: () => void, statusText: string): boolean {
    // Interim answers (100 Continue) are not forwarded, as the codec does not.
    if (status < 200) return true;
    const sink = this.sink;
    if (!sink) return true;
    this.headSeen = true;
    this.resumeBody = resume;
    // `more`: the body's first bytes (or its end) follow from the same parser pass when they
    // came with the head. When they did not, the head waits for them, which is what a
    // ServerResponse does anyway (it sends the head with the first write).
    sink.onHead(responseHead(status, raw, statusText, this.method), true);
    return !this.paused;
  }

  onData(chunk: Buffer): boolean {
    this.sink?.onBody(chunk, chunk.length);
    return !this.paused;
  }

  onComplete(): void {
    const sink = this.sink;
    const whenIdle = this.whenIdle;
    this.sink = null;
    this.whenIdle = null;
    if (!sink) return;
    sink.onEnd();
    whenIdle?.(true);
  }

  onError(error: Error): void {
    const sink = this.sink;
    const whenIdle = this.whenIdle;
    this.sink = null;
    this.whenIdle = null;
    this.destroyed = true;
    if (!sink) return;
    sink.onError(new UpstreamError(resetReason(error, this.started), this.headSeen, error));
    whenIdle?.(false);
  }
}

/**
 * A cluster whose connection pool is undici's. Endpoint choice, outlier bookkeeping and stats
 * stay the base class's. Not carried over from the codec's pools: the pending-request limit
 * (undici queues without bound), active health checks (the base class probes with the codec's
 * client), and TLS (refused below: the A/B measures plain HTTP between the sidecars).
 */
export class UndiciCluster extends Cluster {
  /** Undefined only while the base constructor applies the first settings, before this class's fields exist. */
  private pools: Map<EndpointState, Pool> | undefined = new Map();
  private readonly counters: Stats;

  constructor(settings: ClusterSettings, stats: Stats) {
    super(settings, stats);
    this.counters = stats;
  }

  override update(settings: ClusterSettings): void {
    if (settings.tls) throw new Error(`cluster ${settings.name}: TLS is not supported by the node:http + undici transport of the A/B`);
    if (settings.healthCheck) throw new Error(`cluster ${settings.name}: health checks would run on the hand-written codec's client`);
    super.update(settings);
    if (!this.pools) return;
    const wanted = new Set(settings.endpoints.map((e) => `${e.host}:${e.port}`));
    for (const [endpoint, pool] of this.pools) {
      if (wanted.has(endpoint.key)) continue;
      this.pools.delete(endpoint);
      void pool.close();
    }
  }

  /** Always a lease: undici dispatches at once on an idle socket or queues, so there is no slower path to take. */
  override takeIdle(endpoint: EndpointState): UpstreamConnection | undefined {
    endpoint.active++;
    return new UndiciLease(this.poolFor(endpoint)) as unknown as UpstreamConnection;
  }

  override acquire(endpoint: EndpointState): Promise<UpstreamConnection> {
    return Promise.resolve(this.takeIdle(endpoint)!);
  }

  /** The socket goes back to undici's pool by itself; only the count of requests in flight changes. */
  override release(endpoint: EndpointState, _connection: UpstreamConnection, _reusable: boolean): void {
    endpoint.active--;
  }

  override close(): void {
    super.close();
    for (const pool of this.pools?.values() ?? []) void pool.destroy();
    this.pools?.clear();
  }

  private poolFor(endpoint: EndpointState): Pool {
    const pools = (this.pools ??= new Map());
    let pool = pools.get(endpoint);
    if (pool) return pool;
    const settings = this.current;
    pool = new Pool(`http://${endpoint.endpoint.host}:${endpoint.endpoint.port}`, {
      connections: settings.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
      pipelining: 1,
      keepAliveTimeout: IDLE_CLOSE_MS,
      // Otherwise the upstream's Keep-Alive hint (300 s from a node:http sidecar) would win.
      keepAliveMaxTimeout: IDLE_CLOSE_MS,
      connectTimeout: settings.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      // The route's timeouts are HttpProxy's, as with the codec; undici's own would cut in at 300 s.
      headersTimeout: 0,
      bodyTimeout: 0,
      maxHeaderSize: MAX_HEAD_BYTES,
    });
    // Per connection, not per request: the same connection stats the codec's pool keeps.
    pool.on('connect', () => {
      this.counters.inc(this.stat('upstream_cx_total'));
      this.counters.addGauge(this.stat('upstream_cx_active'), 1);
    });
    pool.on('disconnect', () => this.counters.addGauge(this.stat('upstream_cx_active'), -1));
    pool.on('connectionError', () => this.counters.inc(this.stat('upstream_cx_connect_fail')));
    pools.set(endpoint, pool);
    return pool;
  }
}
