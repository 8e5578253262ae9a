/**
 * Raw-socket harness for holding the HTTP/1.1 codec to llhttp: the same bytes go, over loopback,
 * to a default `node:http` server and to `serveConnection`, in one piece or cut anywhere, and each
 * delivery comes back as an Outcome that two servers (or two cuttings) can be compared on.
 *
 * Both servers live in this process, so the harness watches their side of each connection: a
 * delivery writes a piece only once the server has read the previous one (so every cut is a
 * separate read), and is over once the server has read everything and gone quiet, not after a
 * guessed timeout.
 */
import { createHash } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { serveConnection, type Exchange } from '../../src/http1/server-connection.js';

/** What a server made of one complete request. */
export interface Parsed {
  method: string;
  /** The request target exactly as received. */
  target: string;
  /** RFC 9112 §3.3: the target's authority in absolute form, else the Host header, else empty. */
  authority: string;
  version: string;
  keepAlive: boolean;
  bodyLength: number;
  bodySha: string;
}

export interface Outcome {
  /** Requests the server parsed completely and would serve, in order. */
  messages: Parsed[];
  /** Set when the server refused the byte stream: a parse error, or a 4xx/5xx answer of its own. */
  refused: { status: number | undefined; detail: string } | undefined;
  /** Whether the server ended the connection (refusal or a message that does not keep it alive). */
  finished: boolean;
  /** Status codes of every response on the wire, interim ones included. */
  answers: number[];
  /** What the 2xx answers say the server parsed (their x-parsed header), in order. */
  reports: Parsed[];
}

export function sha(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex').slice(0, 16);
}

/** The authority a request is for (RFC 9112 §3.3), from its target and Host header. */
export function authorityOf(method: string, target: string, host: string | undefined): string {
  if (method === 'CONNECT') return target;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(target);
  if (!scheme) return host ?? '';
  const rest = target.slice(scheme[0].length);
  const end = rest.search(/[/?#]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  const at = authority.lastIndexOf('@');
  return at < 0 ? authority : authority.slice(at + 1);
}

/** The report also travels in a header, since answers to HEAD have no body. */
const toHeader = (json: string) => Buffer.from(json).toString('base64url');

interface Connection {
  socket: Socket;
  messages: Parsed[];
  /** A parse error the server reported for this connection. */
  error: { status: number | undefined; detail: string } | undefined;
  closed: boolean;
}

export interface WireServer {
  readonly name: 'node' | 'ours';
  readonly port: number;
  /** The server's side of the connection from `clientPort`, once it has accepted it. */
  claim(clientPort: number): Connection | undefined;
  close(): Promise<void>;
}

/**
 * Server-side connections, found by the client's port. Ports come round again over thousands of
 * connections, so each is claimed once by the client that made it: a port's earlier connection
 * has been claimed by its own client before the port can be reused.
 */
class Connections {
  private readonly bySocket = new WeakMap<Socket, Connection>();
  private readonly waiting = new Map<number, Connection[]>();

  accept(socket: Socket): Connection {
    const connection: Connection = { socket, messages: [], error: undefined, closed: false };
    this.bySocket.set(socket, connection);
    const port = socket.remotePort!;
    this.waiting.set(port, [...(this.waiting.get(port) ?? []), connection]);
    socket.on('close', () => (connection.closed = true));
    return connection;
  }

  of(socket: Socket): Connection | undefined {
    return this.bySocket.get(socket);
  }

  claim(port: number): Connection | undefined {
    const [first, ...rest] = this.waiting.get(port) ?? [];
    if (rest.length > 0) this.waiting.set(port, rest);
    else this.waiting.delete(port);
    return first;
  }
}

/** llhttp in its default, strict mode, behind node:http's defaults (requireHostHeader included). */
export async function startNodeServer(): Promise<WireServer> {
  const connections = new Connections();
  const server: HttpServer = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    const connection = connections.of(req.socket);
    // Read at request time: llhttp's keep-alive verdict for this message, before any answer changes it.
    const keepAlive = res.shouldKeepAlive;
    const parts: Buffer[] = [];
    req.on('data', (chunk: Buffer) => parts.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      const parsed: Parsed = {
        method: req.method ?? '',
        target: req.url ?? '',
        authority: authorityOf(req.method ?? '', req.url ?? '', req.headers.host),
        version: req.httpVersion,
        keepAlive,
        bodyLength: body.length,
        bodySha: sha(body),
      };
      connection?.messages.push(parsed);
      const json = JSON.stringify(parsed);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json), 'x-parsed': toHeader(json) });
      res.end(json);
    });
  });
  server.on('connection', (socket: Socket) => {
    const connection = connections.accept(socket);
    // node:http destroys the socket with the llhttp error after its default clientError answer.
    socket.on('error', (error: Error & { code?: string; reason?: string }) => {
      connection.error ??= { status: undefined, detail: `${error.code ?? 'error'}${error.reason ? ` (${error.reason})` : ''}` };
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    name: 'node',
    port: (server.address() as AddressInfo).port,
    claim: (clientPort) => connections.claim(clientPort),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The codec under test: serveConnection on a plain net server, answering what it parsed. */
export async function startOurServer(): Promise<WireServer> {
  const connections = new Connections();
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    const connection = connections.accept(socket);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const handler = (exchange: Exchange) => {
      const { head, body } = exchange;
      const parsed: Parsed = {
        method: head.method,
        target: head.target,
        authority: head.authority,
        version: head.version,
        keepAlive: head.keepAlive,
        bodyLength: body.length,
        bodySha: sha(body),
      };
      connection.messages.push(parsed);
      const json = JSON.stringify(parsed);
      exchange.respond(200, ['content-type', 'application/json', 'x-parsed', toHeader(json)], json);
    };
    serveConnection(socket, handler, {
      secure: false,
      onProtocolError: (status, message) => {
        connection.error ??= { status, detail: message };
      },
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    name: 'ours',
    port: (server.address() as AddressInfo).port,
    claim: (clientPort) => connections.claim(clientPort),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

interface WireResponse {
  status: number;
  /** The handler's x-parsed report, if the answer has one. */
  parsed: Parsed | undefined;
}

/** Splits what a server sent into responses; `noBody` says which final answers cannot have one (HEAD). */
export function readResponses(bytes: Buffer, noBody: (index: number) => boolean): WireResponse[] {
  const responses: WireResponse[] = [];
  let pos = 0;
  let finals = 0;
  while (pos < bytes.length) {
    const headEnd = bytes.indexOf('\r\n\r\n', pos, 'latin1');
    if (headEnd < 0) break;
    const head = bytes.toString('latin1', pos, headEnd);
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1];
    const report = /\r\nx-parsed: *([A-Za-z0-9_-]+)/i.exec(head)?.[1];
    let end = headEnd + 4;
    if (status >= 200) {
      if (!noBody(finals)) end = length === undefined ? bytes.length : Math.min(bytes.length, end + Number(length));
      finals++;
    }
    responses.push({ status, parsed: report === undefined ? undefined : (JSON.parse(Buffer.from(report, 'base64url').toString()) as Parsed) });
    pos = end;
  }
  return responses;
}

/** Resolves once `ready()` holds, polling every turn of the event loop; false after `limitMs`. */
async function until(ready: () => boolean, limitMs: number): Promise<boolean> {
  const deadline = performance.now() + limitMs;
  while (!ready()) {
    if (performance.now() > deadline) return false;
    await nextTurn();
  }
  return true;
}

/** How long a server may take to read bytes we wrote before the delivery goes on regardless (a server that stopped reading). */
const READ_LIMIT_MS = 2_000;

/**
 * Sends `pieces` one after another, each once the server has read all before it, then waits
 * until the server has read everything and stopped doing anything, and tells what it made of it.
 */
export async function deliver(server: WireServer, pieces: readonly Buffer[]): Promise<Outcome> {
  const client = connect(server.port, '127.0.0.1');
  client.setNoDelay(true);
  const received: Buffer[] = [];
  let clientClosed = false;
  client.on('data', (chunk: Buffer) => received.push(chunk));
  client.on('error', () => {});
  client.on('close', () => (clientClosed = true));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', resolve);
    client.once('error', reject);
  });
  let connection: Connection | undefined;
  await until(() => (connection = server.claim(client.localPort!)) !== undefined, READ_LIMIT_MS);
  if (!connection) throw new Error(`${server.name}: the server never saw the connection`);
  const conn = connection;

  let sent = 0;
  for (const piece of pieces) {
    if (conn.closed || clientClosed) break;
    client.write(piece);
    sent += piece.length;
    await until(() => conn.closed || conn.socket.bytesRead >= sent, READ_LIMIT_MS);
  }

  // Quiet: nothing new for several turns of the loop and a few milliseconds (pipelined requests
  // are picked up one turn after another, answers leave on the next tick).
  const signature = () => `${conn.messages.length}|${conn.error?.detail}|${conn.socket.bytesWritten}|${conn.closed}|${conn.socket.writableEnded}|${conn.socket.bytesRead}`;
  let last = signature();
  for (let stable = 0; stable < 6; ) {
    await nextTurn();
    await sleep(1);
    const now = signature();
    if (now === last) stable++;
    else {
      stable = 0;
      last = now;
    }
  }
  const finished = conn.closed || conn.socket.writableEnded || conn.socket.destroyed;
  const written = conn.socket.bytesWritten;
  await until(() => clientClosed || received.reduce((n, b) => n + b.length, 0) >= written, READ_LIMIT_MS);
  client.destroy();

  const messages = [...conn.messages];
  const responses = readResponses(Buffer.concat(received), (i) => messages[i]?.method === 'HEAD');
  const answers = responses.map((r) => r.status);
  const finals = answers.filter((s) => s >= 200);
  const errorAnswer = finals.find((s) => s >= 400);
  let refused: Outcome['refused'];
  if (conn.error) refused = { status: conn.error.status ?? errorAnswer, detail: conn.error.detail };
  else if (errorAnswer !== undefined) refused = { status: errorAnswer, detail: 'answered without a parse error' };
  const reports = responses.flatMap((r) => (r.status >= 200 && r.status < 300 && r.parsed ? [r.parsed] : []));
  return { messages, refused, finished, answers, reports };
}

/** A small seeded generator (mulberry32), so a cutting can be told and repeated. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function seedOf(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}

/** `bytes` cut at the given offsets (sorted, deduplicated, inside the buffer). */
export function cut(bytes: Buffer, at: readonly number[]): Buffer[] {
  const points = [...new Set(at.filter((p) => p > 0 && p < bytes.length))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    pieces.push(bytes.subarray(from, p));
    from = p;
  }
  pieces.push(bytes.subarray(from));
  return pieces;
}

/** `bytes` cut at 1–`maxCuts` random offsets. */
export function randomCut(bytes: Buffer, random: () => number, maxCuts = 8): Buffer[] {
  if (bytes.length < 2) return [bytes];
  const count = 1 + Math.floor(random() * Math.min(maxCuts, bytes.length - 1));
  return cut(bytes, Array.from({ length: count }, () => 1 + Math.floor(random() * (bytes.length - 1))));
}

/** Bytes as a JS string literal, for reports and failure messages. */
export function show(bytes: Buffer, max = 160): string {
  const text = bytes.toString('latin1');
  const escaped = JSON.stringify(text.length > max ? text.slice(0, max) : text).replace(/[\u007f-\u00ff]/g, (c) => `\\x${c.charCodeAt(0).toString(16)}`);
  return text.length > max ? `${escaped}…(${bytes.length} bytes)` : escaped;
}

/** One line for an outcome: what was accepted, and how the connection ended. */
export function verdict(outcome: Outcome): string {
  const accepted = outcome.messages.map((m) => `${m.method} ${m.target.length > 40 ? `${m.target.slice(0, 40)}…` : m.target}${m.bodyLength ? ` [${m.bodyLength}B]` : ''}`);
  const end = outcome.refused
    ? `refused ${outcome.refused.status ?? '(no answer)'}: ${outcome.refused.detail}`
    : outcome.finished
      ? 'closed'
      : 'open';
  return `${accepted.length ? `accepted ${accepted.join(', ')}; ` : 'accepted nothing; '}${end}`;
}

/** Runs `jobs` with at most `width` at a time. */
export async function pool<T>(jobs: readonly (() => Promise<T>)[], width: number): Promise<T[]> {
  const results = new Array<T>(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, jobs.length) }, worker));
  return results;
}
