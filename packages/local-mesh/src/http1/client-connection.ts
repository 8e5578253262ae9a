/**
 * The upstream side of a proxy: one connection to one endpoint, carrying one request at a time
 * and staying open for the next when both sides agree to keep it alive.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { BodyScanner } from './body.js';
import { MAX_HEAD_BYTES, parseResponseHead, serialiseRequestHead, type HeaderList, type ResponseHead } from './head.js';

export interface Endpoint {
  host: string;
  port: number;
}

export interface UpstreamTls {
  options: ConnectionOptions;
  onHandshake?: () => void;
  onHandshakeError?: (error: Error) => void;
}

/** Why an exchange with an upstream failed, in Envoy's vocabulary. */
export type ResetReason = 'connection failure' | 'connection termination' | 'protocol error';

export class UpstreamError extends Error {
  constructor(
    readonly reason: ResetReason,
    /** Whether response bytes had already been received when it failed. */
    readonly afterHead: boolean,
    cause?: unknown,
  ) {
    super(reason, cause === undefined ? undefined : { cause });
    this.name = 'UpstreamError';
  }
}

export interface ResponseSink {
  /**
   * `more`: onBody or onEnd follows before this read is done with (the body, or its first bytes,
   * came with the head), so the head may wait to leave with them.
   */
  onHead(head: ResponseHead, more: boolean): void;
  /** Raw body bytes (framing included) and how many payload bytes they carry. */
  onBody(chunk: Buffer, payloadBytes: number): void;
  onEnd(): void;
  onError(error: UpstreamError): void;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');

export class UpstreamConnection {
  /** Requests completed on this connection; a reused connection may have been closed by the peer. */
  served = 0;
  /** The pool's idle-close timer for this connection, while one is armed. */
  idleTimer: NodeJS.Timeout | undefined;
  /** When the connection last went back to its pool (performance.now()). */
  idleSince = 0;
  private sink: ResponseSink | null = null;
  private method = 'GET';
  private headBuffer: Buffer | null = null;
  private scanner: BodyScanner | null = null;
  private head: ResponseHead | null = null;
  private dead = false;
  private onIdle: ((reusable: boolean) => void) | null = null;
  private readonly ready: Promise<void>;

  private constructor(
    readonly socket: Socket | TLSSocket,
    readonly endpoint: Endpoint,
    secure: boolean,
    tls: UpstreamTls | undefined,
  ) {
    socket.setNoDelay(true);
    this.ready = new Promise((resolve, reject) => {
      const fail = (error: Error) => {
        this.dead = true;
        if (secure) tls?.onHandshakeError?.(error);
        reject(new UpstreamError('connection failure', false, error));
      };
      socket.once('error', fail);
      socket.once(secure ? 'secureConnect' : 'connect', () => {
        socket.off('error', fail);
        if (secure) tls?.onHandshake?.();
        socket.on('error', (error) => this.fail(error));
        resolve();
      });
    });
    this.ready.catch(() => {});
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => this.fail(new Error('upstream closed the connection')));
  }

  static open(endpoint: Endpoint, tls?: UpstreamTls, connectTimeoutMs = 5000): UpstreamConnection {
    const socket = tls
      ? tlsConnect({ ...tls.options, host: endpoint.host, port: endpoint.port })
      : netConnect({ host: endpoint.host, port: endpoint.port });
    const connection = new UpstreamConnection(socket, endpoint, Boolean(tls), tls);
    socket.setTimeout(connectTimeoutMs, () => {
      if (!connection.connected) socket.destroy(new Error('connect timeout'));
    });
    return connection;
  }

  private connected = false;

  /** Resolves when the connection (and TLS handshake) is up; rejects with a connection failure. */
  async connect(): Promise<void> {
    await this.ready;
    this.connected = true;
    this.socket.setTimeout(0);
  }

  get alive(): boolean {
    return !this.dead && !this.socket.destroyed;
  }

  /** Sends one request; `whenIdle` learns whether the connection can carry another. */
  send(method: string, path: string, headers: HeaderList, body: Buffer, sink: ResponseSink, whenIdle: (reusable: boolean) => void): void {
    this.sink = sink;
    this.method = method;
    this.onIdle = whenIdle;
    this.head = null;
    this.scanner = null;
    this.headBuffer = null;
    // A connection that was paused for a slow client when its last answer ended reads again.
    this.socket.resume();
    const head = serialiseRequestHead(method, path, headers);
    this.socket.write(body.length > 0 ? Buffer.concat([head, body]) : head);
  }

  /** Stops reading the answer until resume(): the client it goes to is not keeping up. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Abandons the in-flight exchange (timeout, client gone): the connection cannot be reused. */
  destroy(): void {
    this.sink = null;
    this.dead = true;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    const sink = this.sink;
    if (!sink) {
      // Bytes nobody asked for: the connection is out of step; never reuse it.
      this.destroy();
      return;
    }
    let offset = 0;
    let data = chunk;
    if (!this.head) {
      const searchFrom = this.headBuffer ? Math.max(0, this.headBuffer.length - 3) : 0;
      data = this.headBuffer ? Buffer.concat([this.headBuffer, chunk]) : chunk;
      const end = data.indexOf(CRLFCRLF, searchFrom);
      // However the head arrives (whole, in pieces, after a 100), it is refused past the limit.
      if (end < 0 ? data.length > MAX_HEAD_BYTES : end > MAX_HEAD_BYTES) {
        this.fail(new Error('response head too large'), 'protocol error');
        return;
      }
      if (end < 0) {
        this.headBuffer = data;
        return;
      }
      this.headBuffer = null;
      try {
        this.head = parseResponseHead(data.toString('latin1', 0, end), this.method);
      } catch (error) {
        this.fail(error, 'protocol error');
        return;
      }
      if (this.head.status >= 100 && this.head.status < 200 && this.head.status !== 101) {
        // Interim answers (100 Continue) are not forwarded; wait for the final head.
        this.head = null;
        const rest = data.subarray(end + 4);
        if (rest.length > 0) this.onData(rest);
        return;
      }
      this.scanner = new BodyScanner(this.head.framing);
      offset = end + 4;
      sink.onHead(this.head, offset < data.length || this.scanner.done);
      if (this.sink !== sink) return; // the sink abandoned us in onHead (e.g. a retry)
    }
    const scanner = this.scanner!;
    if (offset < data.length || scanner.done) {
      let result;
      const before = scanner.payloadBytes;
      try {
        result = scanner.scan(data, offset);
      } catch (error) {
        this.fail(error, 'protocol error');
        return;
      }
      if (result.used > 0) {
        sink.onBody(offset === 0 && result.used === data.length ? data : data.subarray(offset, offset + result.used), scanner.payloadBytes - before);
      }
      if (result.done) this.complete(offset + result.used < data.length);
    }
  }

  private complete(extraBytes: boolean): void {
    const sink = this.sink!;
    const reusable = this.head!.keepAlive && !extraBytes && this.alive;
    this.sink = null;
    this.served++;
    const whenIdle = this.onIdle!;
    this.onIdle = null;
    if (!reusable) this.destroy();
    sink.onEnd();
    whenIdle(reusable);
  }

  private fail(error: unknown, reason?: ResetReason): void {
    if (this.dead && !this.sink) return;
    this.dead = true;
    const sink = this.sink;
    this.sink = null;
    const whenIdle = this.onIdle;
    this.onIdle = null;
    this.socket.destroy();
    if (!sink) return;
    // A close-delimited body ends exactly when the upstream closes.
    if (this.head && this.head.framing.kind === 'close' && reason === undefined) {
      this.served++;
      sink.onEnd();
      whenIdle?.(false);
      return;
    }
    sink.onError(new UpstreamError(reason ?? 'connection termination', this.head !== null, error));
    whenIdle?.(false);
  }
}
