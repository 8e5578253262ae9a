/**
 * Listeners: where a proxy accepts connections. TLS follows App Mesh's listener modes — STRICT
 * (TLS only), PERMISSIVE (TLS or plain text on the same port, told apart by the first byte),
 * DISABLED — with optional client-certificate validation for mutual TLS.
 */
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import { TLSSocket, createSecureContext, connect as tlsConnect, type SecureContext } from 'node:tls';
import { serveConnection, type ExchangeHandler } from '../http1/server-connection.js';
import { formatTcpAccess, type AccessLogSink } from './access-log.js';
import type { Cluster } from './cluster.js';
import type { Stats } from './stats.js';

export interface ListenerTls {
  mode: 'STRICT' | 'PERMISSIVE' | 'DISABLED';
  certificateChain: string;
  privateKey: string;
  /** Trusted CAs for client certificates (mutual TLS). */
  trustedCa?: string;
  subjectAlternativeNames?: string[];
}

export interface ListenerOptions {
  host: string;
  port: number;
  /** The address Envoy would report, e.g. `0.0.0.0_9080`, used in stat names. */
  statAddress: string;
  stats: Stats;
  tls?: ListenerTls;
  /** Connections open at once; more are closed on arrival (Envoy's listener connection limit). */
  maxConnections?: number;
}

/**
 * A laptop's default limit is 1,024 open files per process, and every downstream connection
 * may hold an upstream one: past this a client is refused rather than the proxy failing for all.
 */
export const MAX_DOWNSTREAM_CONNECTIONS = 400;

const TLS_HANDSHAKE_RECORD = 0x16;

export class Listener {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private secureContext: SecureContext | undefined;
  private tls: ListenerTls | undefined;
  private readonly prefix: string;

  constructor(
    private readonly options: ListenerOptions,
    private readonly onSocket: (socket: Socket, secure: boolean) => void,
  ) {
    this.prefix = `listener.${options.statAddress}.`;
    options.stats.declare(this.prefix + 'downstream_cx_total');
    this.setTls(options.tls);
  }

  get port(): number {
    return this.options.port;
  }

  /** TLS settings can change while listening (a step of a walkthrough); new connections use them. */
  setTls(tls: ListenerTls | undefined): void {
    this.tls = tls && tls.mode !== 'DISABLED' ? tls : undefined;
    this.secureContext = this.tls
      ? createSecureContext({ cert: this.tls.certificateChain, key: this.tls.privateKey, ...(this.tls.trustedCa ? { ca: this.tls.trustedCa } : {}) })
      : undefined;
    if (this.tls) this.options.stats.declare(this.prefix + 'ssl.handshake');
  }

  async listen(): Promise<void> {
    const server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    server.maxConnections = this.options.maxConnections ?? MAX_DOWNSTREAM_CONNECTIONS;
    server.on('drop', () => this.options.stats.inc(this.prefix + 'downstream_cx_overflow'));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.options.port = (server.address() as { port: number }).port;
  }

  private accept(socket: Socket): void {
    const stats = this.options.stats;
    stats.inc(this.prefix + 'downstream_cx_total');
    stats.addGauge(this.prefix + 'downstream_cx_active', 1);
    this.sockets.add(socket);
    socket.on('close', () => {
      this.sockets.delete(socket);
      stats.addGauge(this.prefix + 'downstream_cx_active', -1);
    });
    socket.on('error', () => {});
    const tls = this.tls;
    if (!tls) {
      this.onSocket(socket, false);
      return;
    }
    if (tls.mode === 'STRICT') {
      this.wrap(socket, tls);
      return;
    }
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      if (first[0] === TLS_HANDSHAKE_RECORD) this.wrap(socket, tls);
      else {
        this.onSocket(socket, false);
        socket.resume();
      }
    });
  }

  private wrap(socket: Socket, tls: ListenerTls): void {
    const secure = new TLSSocket(socket, {
      isServer: true,
      secureContext: this.secureContext!,
      requestCert: Boolean(tls.trustedCa),
      rejectUnauthorized: Boolean(tls.trustedCa),
    });
    secure.on('error', () => {
      this.options.stats.inc(this.prefix + 'ssl.connection_error');
      socket.destroy();
    });
    secure.once('secure', () => {
      const sans = tls.subjectAlternativeNames;
      if (tls.trustedCa && sans && sans.length > 0) {
        const presented = (secure.getPeerCertificate().subjectaltname ?? '').split(',').map((s) => s.trim().replace(/^(DNS|URI):/, ''));
        if (!sans.some((san) => presented.includes(san))) {
          this.options.stats.inc(this.prefix + 'ssl.fail_verify_san');
          secure.destroy();
          return;
        }
      }
      this.options.stats.inc(this.prefix + 'ssl.handshake');
      this.onSocket(secure as unknown as Socket, true);
    });
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}

/** An HTTP listener: every accepted connection is served by the given exchange handler. */
export function httpListener(options: ListenerOptions, handler: ExchangeHandler, onProtocolError?: (status: number) => void): Listener {
  return new Listener(options, (socket, secure) =>
    serveConnection(socket, handler, { secure, ...(onProtocolError ? { onProtocolError } : {}) }),
  );
}

export interface TcpProxyOptions {
  statPrefix: string;
  cluster: () => Cluster | undefined;
  accessLog?: AccessLogSink;
  idleTimeoutMs?: number;
}

/** A TCP listener that relays bytes to an endpoint of a cluster (yelb-db, redis-server). */
export function tcpListener(options: ListenerOptions, tcp: TcpProxyOptions): Listener {
  const stats = options.stats;
  const prefix = `tcp.${tcp.statPrefix}.`;
  stats.declare(prefix + 'downstream_cx_total');
  return new Listener(options, (downstream) => {
    const startTime = new Date();
    const started = process.hrtime.bigint();
    stats.inc(prefix + 'downstream_cx_total');
    const cluster = tcp.cluster();
    const endpoint = cluster?.pick();
    let received = 0;
    let sent = 0;
    const flags: string[] = [];
    const log = () =>
      tcp.accessLog?.(
        formatTcpAccess({
          startTime,
          bytesReceived: received,
          bytesSent: sent,
          durationMs: Number(process.hrtime.bigint() - started) / 1e6,
          flags,
          ...(endpoint ? { upstreamHost: endpoint.key } : {}),
        }),
      );
    if (!cluster || !endpoint) {
      flags.push('UH');
      downstream.destroy();
      log();
      return;
    }
    stats.inc(cluster.stat('upstream_cx_total'));
    const tls = cluster.upstreamTls;
    const upstream = tls
      ? tlsConnect({ ...tls.options, host: endpoint.endpoint.host, port: endpoint.endpoint.port })
      : netConnect({ host: endpoint.endpoint.host, port: endpoint.endpoint.port });
    upstream.setNoDelay(true);
    let connected = false;
    upstream.once(tls ? 'secureConnect' : 'connect', () => {
      connected = true;
      tls?.onHandshake?.();
      stats.addGauge(cluster.stat('upstream_cx_active'), 1);
    });
    downstream.on('data', (chunk: Buffer) => (received += chunk.length));
    upstream.on('data', (chunk: Buffer) => (sent += chunk.length));
    downstream.pipe(upstream);
    upstream.pipe(downstream);
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      if (connected) stats.addGauge(cluster.stat('upstream_cx_active'), -1);
      else {
        flags.push('UF');
        stats.inc(cluster.stat('upstream_cx_connect_fail'));
        cluster.recordResult(endpoint, 503);
      }
      downstream.destroy();
      upstream.destroy();
      log();
    };
    if (tcp.idleTimeoutMs) {
      downstream.setTimeout(tcp.idleTimeoutMs, close);
    }
    downstream.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  });
}
