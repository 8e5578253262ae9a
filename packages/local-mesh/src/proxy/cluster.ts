/**
 * An upstream cluster as Envoy has one: a set of endpoints with round-robin balancing, keep-alive
 * connection pools under circuit-breaker limits, active health checks and outlier detection.
 * Settings can be replaced while traffic flows (a control-plane push); endpoints that stay keep
 * their connections and health.
 */
import { checkServerIdentity, createSecureContext, type ConnectionOptions, type PeerCertificate } from 'node:tls';
import type { UpstreamError} from '../http1/client-connection.js';
import { UpstreamConnection, type Endpoint, type UpstreamTls } from '../http1/client-connection.js';
import type { Stats } from './stats.js';

export interface ClusterTls {
  /** PEM of the CA certificates to trust. */
  trustedCa: string;
  /** Client certificate for mutual TLS. */
  certificateChain?: string;
  privateKey?: string;
  /** Accepted subject alternative names; none means any certificate the CA signed. */
  subjectAlternativeNames?: string[];
}

export interface HealthCheckSettings {
  protocol: 'http' | 'tcp';
  path?: string;
  intervalMs: number;
  timeoutMs: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
}

export interface OutlierDetectionSettings {
  maxServerErrors: number;
  intervalMs: number;
  baseEjectionMs: number;
  maxEjectionPercent: number;
}

export interface ClusterSettings {
  name: string;
  /**
   * What the cluster's destination is called where people read it (the console): a subset, a
   * target group's Service. Not Envoy's: the proxy ignores it. Absent: the name.
   */
  label?: string;
  endpoints: (Endpoint & { id?: string })[];
  tls?: ClusterTls;
  maxConnections?: number;
  maxPendingRequests?: number;
  healthCheck?: HealthCheckSettings;
  outlierDetection?: OutlierDetectionSettings;
  connectTimeoutMs?: number;
}

/** Envoy's circuit-breaker defaults. */
const DEFAULT_MAX_CONNECTIONS = 1024;
const DEFAULT_MAX_PENDING = 1024;
/** Shorter than Node's default 5 s server keep-alive, so we close idle connections first. */
const IDLE_CLOSE_MS = 4000;
/** Below this share of healthy hosts, Envoy balances over all hosts (panic mode). */
const PANIC_THRESHOLD = 0.5;

export class OverflowError extends Error {
  constructor() {
    super('overflow');
    this.name = 'OverflowError';
  }
}

export class EndpointState {
  readonly key: string;
  id: string;
  /** Active health check verdict; endpoints start healthy until a check says otherwise. */
  healthy = true;
  private checkStreak = 0;
  consecutive5xx = 0;
  ejectedUntil = 0;
  ejectionCount = 0;
  idle: UpstreamConnection[] = [];
  active = 0;
  requestsTotal = 0;
  successTotal = 0;
  errorTotal = 0;

  constructor(readonly endpoint: Endpoint, id?: string) {
    this.key = `${endpoint.host}:${endpoint.port}`;
    this.id = id ?? this.key;
  }

  get ejected(): boolean {
    return this.ejectedUntil > Date.now();
  }

  recordCheck(ok: boolean, settings: HealthCheckSettings): boolean {
    const before = this.healthy;
    if (ok === this.healthy) {
      this.checkStreak = 0;
      return false;
    }
    this.checkStreak++;
    if (this.checkStreak >= (ok ? settings.healthyThreshold : settings.unhealthyThreshold)) {
      this.healthy = ok;
      this.checkStreak = 0;
    }
    return before !== this.healthy;
  }
}

interface Waiter {
  endpoint: EndpointState;
  resolve: (connection: UpstreamConnection) => void;
  reject: (error: Error) => void;
}

export class Cluster {
  private settings!: ClusterSettings;
  private endpoints: EndpointState[] = [];
  private cursor = 0;
  private connections = 0;
  private pending: Waiter[] = [];
  private tls: UpstreamTls | undefined;
  private healthTimer: NodeJS.Timeout | undefined;
  private outlierTimer: NodeJS.Timeout | undefined;
  private readonly prefix: string;
  private readonly statNames = new Map<string, string>();
  private readonly statusNames: (readonly [string, string])[] = [];
  private closed = false;

  constructor(
    settings: ClusterSettings,
    private readonly stats: Stats,
  ) {
    this.prefix = `cluster.${settings.name}.`;
    for (const name of ['upstream_rq_total', 'upstream_cx_total', 'upstream_cx_connect_fail', 'upstream_rq_retry', 'upstream_rq_timeout', 'upstream_rq_pending_overflow']) {
      stats.declare(this.prefix + name);
    }
    this.update(settings);
  }

  get name(): string {
    return this.settings.name;
  }

  get current(): ClusterSettings {
    return this.settings;
  }

  /** Client TLS for connections to this cluster's endpoints, when its client policy asks for it. */
  get upstreamTls(): UpstreamTls | undefined {
    return this.tls;
  }

  /**
   * `cluster.<name>.<stat>`, built once per stat: a name built per request would be a new string
   * to hash on every counter lookup.
   */
  stat(name: string): string {
    let full = this.statNames.get(name);
    if (full === undefined) {
      full = this.prefix + name;
      this.statNames.set(name, full);
    }
    return full;
  }

  /** `upstream_rq_<status>` and `upstream_rq_<class>xx` of this cluster, built once per status. */
  statusStats(status: number): readonly [string, string] {
    let names = this.statusNames[status];
    if (names === undefined) {
      names = [this.stat(`upstream_rq_${status}`), this.stat(`upstream_rq_${Math.floor(status / 100)}xx`)];
      if (Number.isInteger(status) && status >= 0 && status < 1000) this.statusNames[status] = names;
    }
    return names;
  }

  update(settings: ClusterSettings): void {
    const previous = new Map(this.endpoints.map((e) => [e.key, e]));
    const tlsChanged = JSON.stringify(settings.tls) !== JSON.stringify(this.settings?.tls);
    this.settings = settings;
    this.endpoints = settings.endpoints.map((endpoint) => {
      const key = `${endpoint.host}:${endpoint.port}`;
      const kept = previous.get(key);
      if (kept) {
        previous.delete(key);
        if (endpoint.id) kept.id = endpoint.id;
        if (tlsChanged) this.drain(kept);
        return kept;
      }
      return new EndpointState(endpoint, endpoint.id);
    });
    for (const gone of previous.values()) this.drain(gone);
    this.tls = settings.tls ? this.buildTls(settings.tls) : undefined;
    this.stats.gauge(this.stat('membership_total'), this.endpoints.length);
    this.refreshMembership();
    this.scheduleHealthChecks();
    this.scheduleOutlierSweep();
  }

  private buildTls(tls: ClusterTls): UpstreamTls {
    const sans = tls.subjectAlternativeNames;
    // One secure context per cluster configuration: given as PEM text, every connection would
    // parse the CA, certificate and key again (about 1.5 ms of CPU per mutual-TLS handshake).
    const secureContext = createSecureContext({
      ca: tls.trustedCa,
      ...(tls.certificateChain && tls.privateKey ? { cert: tls.certificateChain, key: tls.privateKey } : {}),
    });
    const options: ConnectionOptions = {
      secureContext,
      rejectUnauthorized: true,
      // App Mesh checks names only when the policy lists subject alternative names.
      checkServerIdentity: (host: string, cert: PeerCertificate) => {
        if (!sans || sans.length === 0) return undefined;
        const presented = (cert.subjectaltname ?? '').split(',').map((s) => s.trim().replace(/^(DNS|URI|IP Address):/, ''));
        if (sans.some((san) => presented.includes(san))) return undefined;
        return checkServerIdentity(sans[0]!, cert) ?? new Error(`certificate SAN ${presented.join(', ')} matches none of ${sans.join(', ')}`);
      },
    };
    return {
      options,
      onHandshake: () => this.stats.inc(this.stat('ssl.handshake')),
      onHandshakeError: () => this.stats.inc(this.stat('ssl.connection_error')),
    };
  }

  /** Round robin over the hosts that are healthy and not ejected; all hosts in panic mode. */
  pick(exclude?: EndpointState): EndpointState | undefined {
    const all = this.endpoints;
    if (all.length === 0) return undefined;
    if (all.length === 1) {
      // A sidecar's local cluster and most backends: the one host, whatever its health (panic
      // mode takes every host when fewer than half are usable), even on a retry.
      this.cursor = 0;
      return all[0];
    }
    const available = all.filter((e) => e.healthy && !e.ejected);
    const pool = available.length / all.length < PANIC_THRESHOLD ? all : available;
    const candidates = exclude && pool.length > 1 ? pool.filter((e) => e !== exclude) : pool;
    if (candidates.length === 0) return undefined;
    this.cursor = (this.cursor + 1) % candidates.length;
    return candidates[this.cursor];
  }

  /** A connection to `endpoint`, within the circuit-breaker limits. */
  acquire(endpoint: EndpointState): Promise<UpstreamConnection> {
    const idle = this.takeIdle(endpoint);
    if (idle) return Promise.resolve(idle);
    if (this.connections < (this.settings.maxConnections ?? DEFAULT_MAX_CONNECTIONS)) return this.open(endpoint);
    if (this.pending.length >= (this.settings.maxPendingRequests ?? DEFAULT_MAX_PENDING)) {
      this.stats.inc(this.stat('upstream_rq_pending_overflow'));
      return Promise.reject(new OverflowError());
    }
    this.stats.inc(this.stat('upstream_rq_pending_total'));
    return new Promise((resolve, reject) => this.pending.push({ endpoint, resolve, reject }));
  }

  /** A kept-alive connection to `endpoint` when one is idle: the synchronous path of acquire. */
  takeIdle(endpoint: EndpointState): UpstreamConnection | undefined {
    while (endpoint.idle.length > 0) {
      const connection = endpoint.idle.pop()!;
      // Its idle timer keeps running: it does nothing to a connection in use (see keepIdle).
      if (connection.alive) {
        endpoint.active++;
        return connection;
      }
    }
    return undefined;
  }

  private open(endpoint: EndpointState): Promise<UpstreamConnection> {
    this.connections++;
    endpoint.active++;
    this.stats.inc(this.stat('upstream_cx_total'));
    this.stats.addGauge(this.stat('upstream_cx_active'), 1);
    const connection = UpstreamConnection.open(endpoint.endpoint, this.tls, this.settings.connectTimeoutMs);
    connection.socket.once('close', () => {
      this.closeConnection();
      this.servePending();
    });
    return connection.connect().then(
      () => connection,
      (error: unknown) => {
        endpoint.active--;
        this.stats.inc(this.stat('upstream_cx_connect_fail'));
        throw error;
      },
    );
  }

  private closeConnection(): void {
    this.connections--;
    this.stats.addGauge(this.stat('upstream_cx_active'), -1);
  }

  /** Returns a connection after an exchange; reusable ones wait (briefly) for the next request. */
  release(endpoint: EndpointState, connection: UpstreamConnection, reusable: boolean): void {
    endpoint.active--;
    if (!reusable || !connection.alive || this.closed || !this.endpoints.includes(endpoint)) {
      connection.destroy();
      return;
    }
    const waiter = this.pending.findIndex((w) => w.endpoint === endpoint);
    if (waiter >= 0) {
      const [{ resolve }] = this.pending.splice(waiter, 1) as [Waiter];
      endpoint.active++;
      resolve(connection);
      return;
    }
    if (this.pending.length > 0) {
      // Someone waits for another host: free the slot rather than keep this one idle.
      connection.destroy();
      return;
    }
    endpoint.idle.push(connection);
    connection.idleSince = performance.now();
    if (connection.idleTimer === undefined) this.keepIdle(endpoint, connection, IDLE_CLOSE_MS);
  }

  /**
   * Closes `connection` once it has sat idle for IDLE_CLOSE_MS. One timer per connection, armed
   * when it first goes idle and re-armed for the rest of the time when it fires early (the
   * connection was used meanwhile): a keep-alive connection in steady use costs no timer work
   * per request.
   */
  private keepIdle(endpoint: EndpointState, connection: UpstreamConnection, delayMs: number): void {
    connection.idleTimer = setTimeout(() => {
      connection.idleTimer = undefined;
      const i = endpoint.idle.indexOf(connection);
      if (i < 0) return; // in use, or gone: the next release arms it again
      const left = connection.idleSince + IDLE_CLOSE_MS - performance.now();
      if (left > 0) {
        this.keepIdle(endpoint, connection, left);
        return;
      }
      endpoint.idle.splice(i, 1);
      connection.destroy();
    }, delayMs);
    connection.idleTimer.unref();
  }

  private servePending(): void {
    while (this.pending.length > 0 && this.connections < (this.settings.maxConnections ?? DEFAULT_MAX_CONNECTIONS)) {
      const waiter = this.pending.shift()!;
      this.open(waiter.endpoint).then(waiter.resolve, waiter.reject);
    }
  }

  /** Feeds outlier detection: 5xx answers and local-origin failures count as server errors. */
  recordResult(endpoint: EndpointState, outcome: number | UpstreamError): void {
    endpoint.requestsTotal++;
    const serverError = typeof outcome !== 'number' || outcome >= 500;
    if (serverError) endpoint.errorTotal++;
    else endpoint.successTotal++;
    const od = this.settings.outlierDetection;
    if (!od) return;
    if (!serverError) {
      endpoint.consecutive5xx = 0;
      return;
    }
    endpoint.consecutive5xx++;
    if (endpoint.consecutive5xx < od.maxServerErrors || endpoint.ejected) return;
    const ejected = this.endpoints.filter((e) => e.ejected).length;
    // Envoy always allows ejecting at least one host, whatever the percentage.
    if (ejected > 0 && ((ejected + 1) / this.endpoints.length) * 100 > od.maxEjectionPercent) {
      this.stats.inc(this.stat('outlier_detection.ejections_overflow'));
      return;
    }
    endpoint.ejectionCount++;
    endpoint.ejectedUntil = Date.now() + od.baseEjectionMs * endpoint.ejectionCount;
    endpoint.consecutive5xx = 0;
    this.stats.inc(this.stat('outlier_detection.ejections_enforced_total'));
    this.stats.inc(this.stat('outlier_detection.ejections_enforced_consecutive_5xx'));
    this.refreshMembership();
  }

  private scheduleOutlierSweep(): void {
    clearInterval(this.outlierTimer);
    const od = this.settings.outlierDetection;
    if (!od) return;
    this.outlierTimer = setInterval(() => this.refreshMembership(), Math.max(100, od.intervalMs));
    this.outlierTimer.unref();
  }

  private refreshMembership(): void {
    this.stats.gauge(this.stat('membership_healthy'), this.endpoints.filter((e) => e.healthy).length);
    this.stats.gauge(this.stat('outlier_detection.ejections_active'), this.endpoints.filter((e) => e.ejected).length);
  }

  private scheduleHealthChecks(): void {
    clearInterval(this.healthTimer);
    const hc = this.settings.healthCheck;
    if (!hc) {
      for (const endpoint of this.endpoints) endpoint.healthy = true;
      return;
    }
    const run = () => {
      for (const endpoint of this.endpoints) void this.check(endpoint, hc);
    };
    run();
    this.healthTimer = setInterval(run, hc.intervalMs);
    this.healthTimer.unref();
  }

  private async check(endpoint: EndpointState, hc: HealthCheckSettings): Promise<void> {
    this.stats.inc(this.stat('health_check.attempt'));
    const ok = await probe(endpoint.endpoint, hc, this.tls);
    if (this.closed) return;
    this.stats.inc(this.stat(ok ? 'health_check.success' : 'health_check.failure'));
    if (endpoint.recordCheck(ok, hc)) this.refreshMembership();
    this.stats.gauge(this.stat('health_check.healthy'), this.endpoints.filter((e) => e.healthy).length);
  }

  /** Per-host lines as Envoy's admin `/clusters` prints them. */
  describeHosts(): string[] {
    const lines: string[] = [];
    for (const e of this.endpoints) {
      const base = `${this.settings.name}::${e.key}`;
      const flags = [!e.healthy ? '/failed_active_hc' : '', e.ejected ? '/failed_outlier_check' : ''].join('') || 'healthy';
      lines.push(`${base}::cx_active::${e.active + e.idle.length}`);
      lines.push(`${base}::rq_total::${e.requestsTotal}`);
      lines.push(`${base}::rq_success::${e.successTotal}`);
      lines.push(`${base}::rq_error::${e.errorTotal}`);
      lines.push(`${base}::health_flags::${flags}`);
      lines.push(`${base}::hostname::${e.id}`);
    }
    return lines;
  }

  private drain(endpoint: EndpointState): void {
    for (const connection of endpoint.idle) connection.destroy();
    endpoint.idle = [];
  }

  close(): void {
    this.closed = true;
    clearInterval(this.healthTimer);
    clearInterval(this.outlierTimer);
    for (const endpoint of this.endpoints) this.drain(endpoint);
    for (const waiter of this.pending) waiter.reject(new OverflowError());
    this.pending = [];
  }
}

/** One active health check: an HTTP GET expecting 200, or a TCP connect. */
function probe(endpoint: Endpoint, hc: HealthCheckSettings, tls: UpstreamTls | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const connection = UpstreamConnection.open(endpoint, tls ? { options: tls.options } : undefined, hc.timeoutMs);
    const timer = setTimeout(() => {
      connection.destroy();
      resolve(false);
    }, hc.timeoutMs);
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      connection.destroy();
      resolve(ok);
    };
    connection.connect().then(
      () => {
        if (hc.protocol === 'tcp') {
          finish(true);
          return;
        }
        let status = 0;
        connection.send(
          'GET',
          hc.path ?? '/',
          ['host', `${endpoint.host}:${endpoint.port}`, 'user-agent', 'Envoy/HC', 'connection', 'close'],
          Buffer.alloc(0),
          {
            onHead: (head) => void (status = head.status),
            onBody: () => {},
            onEnd: () => finish(status === 200),
            onError: () => finish(false),
          },
          () => {},
        );
      },
      () => finish(false),
    );
  });
}
