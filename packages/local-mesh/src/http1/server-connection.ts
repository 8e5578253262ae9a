/**
 * The downstream side of a proxy: reads requests off an accepted socket one at a time (pipelined
 * requests wait their turn), hands each to a handler as an Exchange, and writes the answer.
 */
import type { Socket } from 'node:net';
import { BodyScanner } from './body.js';
import {
  HttpParseError,
  MAX_HEAD_BYTES,
  PartialHeadChecker,
  STATUS_TEXT,
  invalidCharacter,
  invalidHeadByte,
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
  /**
   * Writes body bytes exactly as given (framing included, if any). False when the client is not
   * reading fast enough: stop producing until `whenDrained` calls back.
   */
  write(chunk: Buffer, payloadBytes: number): boolean;
  /** Calls back once the client has taken what was written (at once if nothing is waiting). */
  whenDrained(callback: () => void): void;
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
  /**
   * How long a request may take to arrive once its first byte has (head and body): Node's server
   * allows 60 s for a head, and a client that trickles bytes must not hold a connection forever.
   */
  requestReadTimeoutMs?: number;
  /** Called for requests the connection rejected itself (bad syntax), for access logs and stats. */
  onProtocolError?: (status: number, message: string) => void;
}

export const REQUEST_READ_TIMEOUT_MS = 60_000;
/** Bytes of later requests held while one is being answered, before the socket stops reading. */
const PIPELINE_BUFFER_BYTES = MAX_HEAD_BYTES + 64 * 1024;
/** After a protocol error, how long the client gets to read the 4xx before the socket is destroyed. */
const LINGER_MS = 2_000;

/** Where the bytes of the next request are going: its head, or a body being collected. */
type Phase =
  | { kind: 'head' }
  | { kind: 'length'; head: RequestHead; need: number; parts: Buffer[]; have: number }
  | { kind: 'chunked'; head: RequestHead; scanner: BodyScanner; parts: Buffer[] };

const HEAD_PHASE: Phase = Object.freeze({ kind: 'head' });
const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');

export function serveConnection(socket: Socket, handler: ExchangeHandler, options: ServerConnectionOptions): void {
  socket.setNoDelay(true);
  let buffered: Buffer | null = null;
  let phase: Phase = HEAD_PHASE;
  /** Head bytes before these were searched for CRLFCRLF and checked character by character. */
  let searchedTo = 0;
  let checkedTo = 0;
  /** Only for a head that arrives in pieces: one that arrives whole is parsed once, not twice. */
  let partialHead: PartialHeadChecker | undefined;
  let busy = false;
  let closed = false;
  let current: ExchangeImpl | null = null;
  let readDeadline: NodeJS.Timeout | undefined;
  const activity = new IdleClock(socket, options.idleTimeoutMs ?? 300_000, () => closed);
  const readTimeoutMs = options.requestReadTimeoutMs ?? REQUEST_READ_TIMEOUT_MS;

  const onClose = () => {
    closed = true;
    activity.stop();
    clearTimeout(readDeadline);
    current?.clientGone();
  };
  const onData = (chunk: Buffer) => {
    // After a rejection nothing more is read into memory: the socket is on its way out.
    if (closed) return;
    activity.touch();
    buffered = buffered ? Buffer.concat([buffered, chunk]) : chunk;
    if (!busy) pump();
    else if (buffered.length > PIPELINE_BUFFER_BYTES) socket.pause();
  };
  socket.on('error', () => {});
  socket.on('close', onClose);
  socket.on('data', onData);

  const reject = (status: number, message: string) => {
    options.onProtocolError?.(status, message);
    clearTimeout(readDeadline);
    const body = `${message}\n`;
    closed = true;
    buffered = null;
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
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
  const fail = (error: unknown) => {
    if (error instanceof HttpParseError) reject(error.status, error.message);
    else reject(400, 'bad request');
  };

  // A request whose first bytes came and whose last have not gets a deadline; requests that
  // arrive whole (nearly all) never arm a timer.
  const awaitRest = () => {
    if (readDeadline !== undefined || readTimeoutMs <= 0) return;
    readDeadline = setTimeout(() => {
      readDeadline = undefined;
      if (!closed && !busy) reject(408, 'request not received in time');
    }, readTimeoutMs);
    readDeadline.unref();
  };

  // Parses as much as the buffer allows; starts at most one exchange.
  const pump = (): void => {
    while (!busy && !closed) {
      if (phase.kind === 'head') {
        if (!buffered || buffered.length === 0) {
          buffered = null;
          return;
        }
        // Empty lines before a request are ignored (RFC 9112 §2.2), as llhttp does.
        let skip = 0;
        while (skip + 1 < buffered.length && buffered[skip] === 0x0d && buffered[skip + 1] === 0x0a) skip += 2;
        if (skip > 0) {
          buffered = skip === buffered.length ? null : buffered.subarray(skip);
          searchedTo = checkedTo = 0;
          partialHead = undefined;
          continue;
        }
        if (buffered.length === 1 && buffered[0] === 0x0d) {
          awaitRest(); // the CR of such an empty line; its LF is on the way
          return;
        }
        const headEnd = buffered.indexOf(CRLFCRLF, Math.max(0, searchedTo - 3));
        const limit = headEnd < 0 ? buffered.length : headEnd + 4;
        const bad = invalidHeadByte(buffered, checkedTo, Math.min(limit, MAX_HEAD_BYTES + 4));
        if (bad >= 0) {
          // The answer is for the first thing wrong in the head, wherever the reads were cut.
          const error = (partialHead ??= new PartialHeadChecker()).check(buffered, bad) ?? invalidCharacter(buffered[bad]);
          return reject(error.status, error.message);
        }
        if (headEnd < 0 ? buffered.length > MAX_HEAD_BYTES : headEnd > MAX_HEAD_BYTES) return reject(431, 'request header fields too large');
        if (headEnd < 0) {
          searchedTo = buffered.length;
          checkedTo = buffered[buffered.length - 1] === 0x0d ? buffered.length - 1 : buffered.length;
          // Like Envoy's codec and llhttp, refuse bytes that cannot start a request (a TLS
          // hello, say) or continue its head at once, instead of waiting for a head that will
          // never come right.
          const problem = (partialHead ??= new PartialHeadChecker()).check(buffered, checkedTo);
          if (problem) return reject(problem.status, problem.message);
          awaitRest();
          return;
        }
        partialHead = undefined;
        let head: RequestHead;
        try {
          head = parseRequestHead(buffered.toString('latin1', 0, headEnd), true);
        } catch (error) {
          return fail(error);
        }
        const bodyStart = headEnd + 4;
        buffered = buffered.length > bodyStart ? buffered.subarray(bodyStart) : null;
        searchedTo = checkedTo = 0;
        const framing = head.framing;
        if (framing.kind === 'none' || (framing.kind === 'length' && framing.length === 0)) {
          start(head, EMPTY);
          continue;
        }
        if (framing.kind === 'length') {
          if (framing.length > MAX_REQUEST_BODY_BYTES) return reject(413, 'request body too large for the local mesh (limit 4 MiB)');
          phase = { kind: 'length', head, need: framing.length, parts: [], have: 0 };
        } else {
          const parts: Buffer[] = [];
          phase = { kind: 'chunked', head, scanner: new BodyScanner(framing, (slice) => parts.push(slice)), parts };
        }
        // The client waits for this before it sends the body; the proxy buffers it, as Envoy does.
        if (head.expectContinue && !buffered) socket.write(CONTINUE);
        continue;
      }
      if (!buffered) {
        awaitRest();
        return;
      }
      if (phase.kind === 'length') {
        const take = Math.min(phase.need - phase.have, buffered.length);
        phase.parts.push(take === buffered.length ? buffered : buffered.subarray(0, take));
        phase.have += take;
        buffered = take === buffered.length ? null : buffered.subarray(take);
        if (phase.have < phase.need) continue;
        const { head, parts } = phase;
        phase = HEAD_PHASE;
        start(head, parts.length === 1 ? parts[0]! : Buffer.concat(parts));
        continue;
      }
      let result;
      try {
        result = phase.scanner.scan(buffered);
      } catch (error) {
        return fail(error);
      }
      if (phase.scanner.payloadBytes > MAX_REQUEST_BODY_BYTES) return reject(413, 'request body too large for the local mesh (limit 4 MiB)');
      buffered = result.used === buffered.length ? null : buffered.subarray(result.used);
      if (!result.done) continue;
      const { head, parts } = phase;
      phase = HEAD_PHASE;
      start(head, parts.length === 1 ? parts[0]! : Buffer.concat(parts));
    }
  };

  const start = (head: RequestHead, body: Buffer) => {
    busy = true;
    clearTimeout(readDeadline);
    readDeadline = undefined;
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
      if (!keepAlive || closed) {
        closed = true;
        socket.end();
        return;
      }
      // A client that pipelines requests and reads no answers gets no more answered until it
      // reads these: what waits in memory stays one answer deep.
      const next = () => {
        busy = false;
        if (closed) return;
        socket.resume();
        if (buffered && buffered.length > 0) setImmediate(pump);
      };
      if (socket.writableNeedDrain) socket.once('drain', next);
      else next();
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

  write(chunk: Buffer, payloadBytes: number): boolean {
    this.bytesSent += payloadBytes;
    this.activity.touch();
    const head = this.pendingHead;
    if (head === undefined) return this.socket.write(chunk);
    this.pendingHead = undefined;
    if (chunk.length > COALESCE_BYTES) {
      this.socket.cork();
      this.socket.write(head, 'latin1');
      const more = this.socket.write(chunk);
      this.socket.uncork();
      return more;
    }
    // Head strings are latin1 (one byte per character), so the offsets are exact.
    const out = Buffer.allocUnsafe(head.length + chunk.length);
    out.write(head, 0, 'latin1');
    chunk.copy(out, head.length);
    return this.socket.write(out);
  }

  whenDrained(callback: () => void): void {
    if (!this.socket.writableNeedDrain || this.socket.destroyed) callback();
    else this.socket.once('drain', callback);
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
