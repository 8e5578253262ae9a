/**
 * Transport B's downstream side for the transport A/B (bench/transport-ab.ts): the proxy's
 * `Exchange` on top of a node:http `IncomingMessage`/`ServerResponse`, so the very same
 * `HttpProxy` runs behind Node's own server (llhttp in C++, ServerResponse's framing) instead of
 * the hand-written codec of src/http1/.
 *
 * It keeps the codec's contract where the proxy depends on it: request bodies buffered whole
 * (4 MiB, else 413) before the handler runs, `write` answering false for backpressure,
 * `onClientGone` once when the client leaves before the answer is complete. Where Node decides
 * instead, Node's behaviour is what is measured: it frames the answer itself (so `write` takes
 * payload bytes, which is what the undici side delivers), answers `Expect: 100-continue` itself,
 * adds `Connection`/`Keep-Alive` headers, and emits CONNECT apart from requests.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { MAX_HEAD_BYTES, type BodyFraming, type HeaderList, type RequestHead } from '../src/http1/head.js';
import { MAX_REQUEST_BODY_BYTES, REQUEST_READ_TIMEOUT_MS, type Exchange, type ExchangeHandler } from '../src/http1/server-connection.js';
import { MAX_DOWNSTREAM_CONNECTIONS } from '../src/proxy/listener.js';

/** serveConnection's default idle timeout for a downstream connection, so both transports keep connections as long. */
const DOWNSTREAM_IDLE_MS = 300_000;
const EMPTY = Buffer.alloc(0);
const NO_BODY: BodyFraming = Object.freeze({ kind: 'none' });
const CHUNKED: BodyFraming = Object.freeze({ kind: 'chunked' });
const TOO_LARGE = 'request body too large for the local mesh (limit 4 MiB)\n';

export class NodeExchange implements Exchange {
  readonly startNs = process.hrtime.bigint();
  private readonly startMs = Date.now();
  readonly secure = false;
  bytesSent = 0;
  finished = false;
  headSent = false;
  private goneCallbacks: (() => void)[] | undefined;

  constructor(
    readonly head: RequestHead,
    readonly body: Buffer,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
  ) {
    // Envoy passes the upstream's Date on and adds none to proxied answers (local replies carry
    // their own), as the codec does; Node would otherwise add one to every answer without it.
    res.sendDate = false;
  }

  get socket(): Socket {
    return this.req.socket;
  }

  /** As the codec: only access logs want it. */
  get startTime(): Date {
    return new Date(this.startMs);
  }

  respond(status: number, headers: HeaderList, body: string | Buffer = EMPTY): void {
    const payload = typeof body === 'string' ? Buffer.from(body) : body;
    this.headSent = true;
    this.finished = true;
    this.res.writeHead(status, [...headers, 'content-length', String(payload.length)]);
    this.bytesSent += this.head.method === 'HEAD' ? 0 : payload.length;
    if (payload.length > 0) this.res.end(payload);
    else this.res.end();
  }

  sendHead(status: number, reason: string, headers: HeaderList, closeDelimited: boolean, holdForBody = false): void {
    // Read when Node serialises the head: it then says Connection: close and ends by closing.
    if (closeDelimited) this.res.shouldKeepAlive = false;
    this.headSent = true;
    if (reason) this.res.writeHead(status, reason, headers);
    else this.res.writeHead(status, headers);
    // ServerResponse already holds a head until the first write and sends both in one buffer,
    // which is what holdForBody asks of the codec; without it the head must leave now.
    if (!holdForBody) this.res.flushHeaders();
  }

  write(chunk: Buffer, payloadBytes: number): boolean {
    this.bytesSent += payloadBytes;
    return this.res.write(chunk);
  }

  whenDrained(callback: () => void): void {
    if (!this.res.writableNeedDrain || this.res.destroyed) callback();
    else this.res.once('drain', callback);
  }

  end(): void {
    this.finished = true;
    this.res.end();
  }

  abort(): void {
    this.finished = true;
    this.res.destroy();
  }

  onClientGone(callback: () => void): void {
    if (this.goneCallbacks === undefined) {
      const callbacks: (() => void)[] = [];
      this.goneCallbacks = callbacks;
      // 'close' also follows a complete answer; by then `finished` is set and nobody is told.
      this.res.once('close', () => {
        if (this.finished) return;
        this.finished = true;
        for (const gone of callbacks) gone();
      });
    }
    this.goneCallbacks.push(callback);
  }

  takeOver(): never {
    // node:http hands CONNECT to a 'connect' listener with the raw socket, never to a request
    // handler, so a tunnel cannot be taken over from an exchange here.
    throw new Error('unsupported: CONNECT tunnels are not served by the node:http transport');
  }
}

/**
 * The head as the codec would have parsed it, taken from what llhttp already parsed: rawHeaders
 * is the flat, wire-ordered, case-keeping list HeaderList is. Only the names that can matter are
 * lower-cased, by length first, as head.ts does, and `req.headers` (an object Node builds lazily
 * on first access) is never touched.
 */
function requestHead(req: IncomingMessage, keepAlive: boolean): RequestHead {
  const headers = req.rawHeaders;
  let host = '';
  let contentLength: string | undefined;
  let transferEncoding = false;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    if (name.length === 4 && name.toLowerCase() === 'host') host = headers[i + 1]!;
    else if (name.length === 14 && name.toLowerCase() === 'content-length') contentLength = headers[i + 1]!;
    else if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') transferEncoding = true;
  }
  // llhttp (strict) has already refused both framings at once, repeats, and a coding not ending in chunked.
  const framing: BodyFraming = transferEncoding ? CHUNKED : contentLength !== undefined ? { kind: 'length', length: Number(contentLength) } : NO_BODY;
  const target = req.url ?? '/';
  const { path, authority } = splitTarget(target, host);
  return {
    method: req.method ?? 'GET',
    target,
    version: req.httpVersion === '1.0' ? '1.0' : '1.1',
    headers,
    path,
    authority,
    keepAlive,
    framing,
    // Node has answered the 100 itself (no 'checkContinue' listener), as the codec does.
    expectContinue: false,
  };
}

/** Origin-form keeps the Host header's authority; absolute-form (HTTP_PROXY clients) carries its own. */
function splitTarget(target: string, host: string): { path: string; authority: string } {
  if (target.charCodeAt(0) === 47 /* / */ || target === '*') return { path: target, authority: host };
  const schemeEnd = target.indexOf('://');
  if (schemeEnd <= 0) return { path: target, authority: host };
  const rest = target.slice(schemeEnd + 3);
  const slash = rest.search(/[/?]/);
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? '/' : rest[slash] === '?' ? `/${rest.slice(slash)}` : rest.slice(slash);
  const at = authority.lastIndexOf('@');
  return { path, authority: at < 0 ? authority : authority.slice(at + 1) };
}

function refuseTooLarge(res: ServerResponse): void {
  if (res.headersSent) return;
  res.shouldKeepAlive = false;
  res.writeHead(413, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(TOO_LARGE) });
  res.end(TOO_LARGE);
}

function accept(req: IncomingMessage, res: ServerResponse, handler: ExchangeHandler): void {
  const head = requestHead(req, res.shouldKeepAlive);
  const framing = head.framing;
  // Most requests have no body: handled at once, as the codec does, without waiting for 'end'
  // (Node discards whatever is left of the request when the answer finishes).
  if (framing.kind === 'none' || (framing.kind === 'length' && framing.length === 0)) {
    handler(new NodeExchange(head, EMPTY, req, res));
    return;
  }
  if (framing.kind === 'length' && framing.length > MAX_REQUEST_BODY_BYTES) {
    refuseTooLarge(res);
    return;
  }
  // Buffered whole, as the codec does, so a retry can send it again.
  const parts: Buffer[] = [];
  let have = 0;
  let refused = false;
  req.on('data', (chunk: Buffer) => {
    if (refused) return;
    have += chunk.length;
    if (have > MAX_REQUEST_BODY_BYTES) {
      refused = true;
      parts.length = 0;
      refuseTooLarge(res);
      return;
    }
    parts.push(chunk);
  });
  req.on('end', () => {
    if (refused) return;
    handler(new NodeExchange(head, parts.length === 1 ? parts[0]! : Buffer.concat(parts), req, res));
  });
  req.on('error', () => {});
}

/**
 * A node:http server serving `handler`, with the codec's limits: 60 KiB heads, 60 s for a request
 * to arrive, connections kept 300 s, 400 connections at once.
 */
export function nodeHttpServer(handler: ExchangeHandler): Server {
  const server = createServer(
    { maxHeaderSize: MAX_HEAD_BYTES, requestTimeout: REQUEST_READ_TIMEOUT_MS, headersTimeout: REQUEST_READ_TIMEOUT_MS, noDelay: true },
    (req, res) => accept(req, res, handler),
  );
  server.keepAliveTimeout = DOWNSTREAM_IDLE_MS;
  server.maxConnections = MAX_DOWNSTREAM_CONNECTIONS;
  return server;
}
