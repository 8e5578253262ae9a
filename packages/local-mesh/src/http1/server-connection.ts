/**
 * The downstream side of a proxy: reads requests off an accepted socket one at a time (pipelined
 * requests wait their turn), hands each to a handler as an Exchange, and writes the answer.
 */
import type { Socket } from 'node:net';
import { BodyScanner } from './body.js';
import {
  HttpParseError,
  MAX_HEAD_BYTES,
  STATUS_TEXT,
  responseHeadText,
  serialiseResponseHead,
  type HeaderList,
  type RequestHead,
  parseRequestHead,
} from './head.js';

/** Request bodies are buffered so a retry can resend them (Envoy buffers for retries too). */
export const MAX_REQUEST_BODY_BYTES = 4 * 1024 * 1024;
const CRLFCRLF = Buffer.from('\r\n\r\n');

export interface Exchange {
  readonly head: RequestHead;
  /** Request payload, chunk framing removed. */
  readonly body: Buffer;
  readonly startTime: Date;
  readonly startNs: bigint;
  readonly socket: Socket;
  readonly secure: boolean;
  /** Payload bytes sent back so far. */
  readonly bytesSent: number;
  readonly finished: boolean;
  readonly headSent: boolean;
  /** A whole answer at once (local replies). */
  respond(status: number, headers: HeaderList, body?: string | Buffer): void;
  /**
   * Starts a streamed answer; `closeDelimited` when the body ends only by closing the connection.
   * With `holdForBody` the head waits for the write (or end) that the caller makes before this
   * turn of the event loop is over, and leaves in the same buffer: one write syscall, not two.
   */
  sendHead(status: number, reason: string, headers: HeaderList, closeDelimited: boolean, holdForBody?: boolean): void;
  /** Writes body bytes exactly as given (framing included, if any). */
  write(chunk: Buffer, payloadBytes: number): void;
  end(): void;
  /** Gives up on the exchange and closes the connection (upstream died mid-body). */
  abort(): void;
  /** Called once if the client goes away before the answer is complete. */
  onClientGone(callback: () => void): void;
  /** Detaches the socket from HTTP handling (CONNECT tunnels). */
  takeOver(): { socket: Socket; leftover: Buffer };
}

export type ExchangeHandler = (exchange: Exchange) => void;

export interface ServerConnectionOptions {
  secure: boolean;
  /** Closes a connection that sends nothing for this long. */
  idleTimeoutMs?: number;
  /** Called for requests the connection rejected itself (bad syntax), for access logs and stats. */
  onProtocolError?: (status: number, message: string) => void;
}

export function serveConnection(socket: Socket, handler: ExchangeHandler, options: ServerConnectionOptions): void {
  socket.setNoDelay(true);
  let buffered: Buffer | null = null;
  let busy = false;
  let closed = false;
  let current: ExchangeImpl | null = null;
  const activity = new IdleClock(socket, options.idleTimeoutMs ?? 300_000, () => closed);

  const onClose = () => {
    closed = true;
    activity.stop();
    current?.clientGone();
  };
  const onData = (chunk: Buffer) => {
    activity.touch();
    buffered = buffered ? Buffer.concat([buffered, chunk]) : chunk;
    if (!busy) pump();
    else if (buffered.length > MAX_HEAD_BYTES + MAX_REQUEST_BODY_BYTES) socket.pause();
  };
  socket.on('error', () => {});
  socket.on('close', onClose);
  socket.on('data', onData);

  const reject = (status: number, message: string) => {
    options.onProtocolError?.(status, message);
    const body = `${message}\n`;
    socket.end(
      Buffer.concat([
        serialiseResponseHead(status, STATUS_TEXT[status] ?? '', [
          'content-length',
          String(Buffer.byteLength(body)),
          'content-type',
          'text/plain',
          'connection',
          'close',
        ]),
        Buffer.from(body),
      ]),
    );
    closed = true;
  };

  // Parses as much as the buffer allows; starts at most one exchange.
  const pump = (): void => {
    while (!busy && !closed && buffered && buffered.length > 0) {
      const headEnd = buffered.indexOf(CRLFCRLF);
      if (headEnd < 0) {
        if (buffered.length > MAX_HEAD_BYTES) reject(431, 'request header fields too large');
        // Like Envoy's codec, refuse bytes that cannot start a request (a TLS hello, say) at
        // once instead of waiting for a head that will never come.
        else if (!startsLikeRequest(buffered)) reject(400, 'bad request');
        return;
      }
      let head: RequestHead;
      try {
        head = parseRequestHead(buffered.toString('latin1', 0, headEnd));
      } catch (error) {
        if (error instanceof HttpParseError) reject(error.status, error.message);
        else reject(400, 'bad request');
        return;
      }
      const bodyStart = headEnd + 4;
      if (head.framing.kind === 'none') {
        const rest = buffered.length > bodyStart ? buffered.subarray(bodyStart) : null;
        buffered = rest;
        start(head, EMPTY);
        continue;
      }
      if (head.framing.kind === 'length') {
        if (head.framing.length > MAX_REQUEST_BODY_BYTES) {
          reject(413, 'request body too large for the local mesh (limit 4 MiB)');
          return;
        }
        if (buffered.length - bodyStart < head.framing.length) return; // wait for the rest
        const bodyEnd = bodyStart + head.framing.length;
        const body = buffered.subarray(bodyStart, bodyEnd);
        buffered = buffered.length > bodyEnd ? buffered.subarray(bodyEnd) : null;
        start(head, body);
        continue;
      }
      // Chunked: scan from the start of the body each time more bytes arrive (bodies are small).
      const parts: Buffer[] = [];
      const scanner = new BodyScanner(head.framing, (slice) => parts.push(slice));
      let result;
      try {
        result = scanner.scan(buffered, bodyStart);
      } catch (error) {
        reject(400, error instanceof Error ? error.message : 'malformed chunked body');
        return;
      }
      if (scanner.payloadBytes > MAX_REQUEST_BODY_BYTES) {
        reject(413, 'request body too large for the local mesh (limit 4 MiB)');
        return;
      }
      if (!result.done) return;
      const bodyEnd = bodyStart + result.used;
      const body = Buffer.concat(parts);
      buffered = buffered.length > bodyEnd ? buffered.subarray(bodyEnd) : null;
      start(head, body);
    }
  };

  const start = (head: RequestHead, body: Buffer) => {
    busy = true;
    // Hands the socket over (CONNECT): only this connection's own listeners go; the listener's
    // (connection stats) stay until the socket really closes.
    const detach = () => {
      socket.off('data', onData);
      socket.off('close', onClose);
      activity.stop();
      const rest = buffered ?? EMPTY;
      buffered = null;
      closed = true;
      return rest;
    };
    current = new ExchangeImpl(head, body, socket, options.secure, activity, detach, (keepAlive) => {
      current = null;
      busy = false;
      if (!keepAlive || closed) {
        closed = true;
        socket.end();
        return;
      }
      socket.resume();
      if (buffered && buffered.length > 0) setImmediate(pump);
    });
    handler(current);
  };
}

/**
 * Closes a connection that sent and received nothing for `idleMs`. Node's socket.setTimeout
 * re-arms its timer on every read and write; this keeps one timer that, when it fires, looks at
 * when the connection was last active and sleeps again for the rest: nothing per request but a
 * clock read.
 */
class IdleClock {
  private last = performance.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly idleMs: number,
    private readonly closed: () => boolean,
  ) {
    this.arm(idleMs);
  }

  touch(): void {
    this.last = performance.now();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => this.check(), ms);
    this.timer.unref();
  }

  private check(): void {
    this.timer = undefined;
    if (this.closed()) return;
    const left = this.last + this.idleMs - performance.now();
    if (left > 0) this.arm(left);
    else this.socket.destroy();
  }
}

const EMPTY = Buffer.alloc(0);
/** Body bytes up to this size leave in the same buffer as the head; larger ones follow it corked. */
const COALESCE_BYTES = 16 * 1024;

/** Whether the bytes so far can be the beginning of `METHOD SP …`. */
function startsLikeRequest(buf: Buffer): boolean {
  for (let i = 0; i < buf.length && i < 32; i++) {
    const c = buf[i]!;
    if (c === 0x20) return i > 0;
    const token = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || '!#$%&\'*+-.^_`|~'.includes(String.fromCharCode(c));
    if (!token) return false;
  }
  return true;
}

class ExchangeImpl implements Exchange {
  readonly startNs = process.hrtime.bigint();
  private readonly startMs = Date.now();
  bytesSent = 0;
  finished = false;
  headSent = false;
  private keepAlive: boolean;
  private goneCallbacks: (() => void)[] | undefined;
  private detached = false;
  /** A response head waiting for the body bytes the caller writes next (see sendHead). */
  private pendingHead: string | undefined;

  constructor(
    readonly head: RequestHead,
    readonly body: Buffer,
    readonly socket: Socket,
    readonly secure: boolean,
    private readonly activity: IdleClock,
    private readonly detach: () => Buffer,
    private readonly done: (keepAlive: boolean) => void,
  ) {
    this.keepAlive = head.keepAlive;
  }

  /** Only access logs want it: a Date per request is not worth making up front. */
  get startTime(): Date {
    return new Date(this.startMs);
  }

  respond(status: number, headers: HeaderList, body: string | Buffer = EMPTY): void {
    const payload = typeof body === 'string' ? Buffer.from(body) : body;
    const all = [...headers, 'content-length', String(payload.length)];
    if (!this.keepAlive) all.push('connection', 'close');
    this.headSent = true;
    this.activity.touch();
    this.socket.write(payload.length > 0 && this.head.method !== 'HEAD' ? Buffer.concat([serialiseResponseHead(status, '', all), payload]) : serialiseResponseHead(status, '', all));
    this.bytesSent += this.head.method === 'HEAD' ? 0 : payload.length;
    this.finish();
  }

  sendHead(status: number, reason: string, headers: HeaderList, closeDelimited: boolean, holdForBody = false): void {
    if (closeDelimited) this.keepAlive = false;
    const all = this.keepAlive ? headers : [...headers, 'connection', 'close'];
    this.headSent = true;
    this.activity.touch();
    const head = responseHeadText(status, reason, all);
    if (holdForBody) this.pendingHead = head;
    else this.socket.write(head, 'latin1');
  }

  write(chunk: Buffer, payloadBytes: number): void {
    this.bytesSent += payloadBytes;
    this.activity.touch();
    const head = this.pendingHead;
    if (head === undefined) {
      this.socket.write(chunk);
      return;
    }
    this.pendingHead = undefined;
    if (chunk.length > COALESCE_BYTES) {
      this.socket.cork();
      this.socket.write(head, 'latin1');
      this.socket.write(chunk);
      this.socket.uncork();
      return;
    }
    // Head strings are latin1 (one byte per character), so the offsets are exact.
    const out = Buffer.allocUnsafe(head.length + chunk.length);
    out.write(head, 0, 'latin1');
    chunk.copy(out, head.length);
    this.socket.write(out);
  }

  end(): void {
    const head = this.pendingHead;
    if (head !== undefined) {
      this.pendingHead = undefined;
      this.socket.write(head, 'latin1');
    }
    this.finish();
  }

  abort(): void {
    this.finished = true;
    this.pendingHead = undefined;
    this.socket.destroy();
  }

  onClientGone(callback: () => void): void {
    (this.goneCallbacks ??= []).push(callback);
  }

  clientGone(): void {
    if (this.finished || this.detached) return;
    this.finished = true;
    for (const callback of this.goneCallbacks ?? []) callback();
  }

  takeOver(): { socket: Socket; leftover: Buffer } {
    this.detached = true;
    this.finished = true;
    return { socket: this.socket, leftover: this.detach() };
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.done(this.keepAlive);
  }
}
