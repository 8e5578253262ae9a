/**
 * A proxy under a hostile or careless client: bytes a lenient parser behind it would read
 * differently, floods that cost memory or CPU, clients that never read, trickle, or open too
 * many connections. Everything goes over real loopback sockets to a real proxy listener and a
 * real node:http upstream, which records what reached it.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { serveConnection } from '../src/http1/server-connection.js';
import { httpListener } from '../src/proxy/listener.js';
import { Stats } from '../src/proxy/stats.js';
import { everything, startProxy, type TestProxy } from './helpers/proxy.js';
import { upstream, type Upstream } from './helpers/servers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function proxyTo(app: Upstream): Promise<TestProxy> {
  const proxy = await startProxy([everything('c')], [{ name: 'c', endpoints: [{ host: '127.0.0.1', port: app.port }] }]);
  cleanups.push(() => proxy.close());
  return proxy;
}

async function app(handler: Parameters<typeof upstream>[0]): Promise<Upstream> {
  const server = await upstream(handler);
  cleanups.push(() => server.close());
  return server;
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
    cleanups.push(() => void socket.destroy());
  });
}

/** Everything the server sends until it closes the connection (or `ms` pass). */
function readAll(socket: Socket, ms = 5000): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const timer = setTimeout(() => resolve(text), ms);
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
  });
}

/** Waits until `read` stops changing for `quietMs` (the flow has stalled), up to `maxMs`. */
async function settled(read: () => number, quietMs = 400, maxMs = 10_000): Promise<number> {
  const deadline = Date.now() + maxMs;
  let last = read();
  let since = Date.now();
  while (Date.now() < deadline) {
    await sleep(50);
    const now = read();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) break;
  }
  return last;
}

const MiB = 1024 * 1024;

describe('the proxy refuses what a lenient parser behind it would read differently', () => {
  // Each answer must be the proxy's own (its message in the body), not an upstream's refusal passed on.
  it.each([
    ['a bare LF that hides a Host header in the request line', 'GET /x\nHost:evil.example HTTP/1.1\r\nHost: a\r\n\r\n', /bare LF/],
    ['a bare LF between header lines', 'GET / HTTP/1.1\r\nHost: a\nX-Smuggled: 1\r\n\r\n', /bare LF/],
    ['NUL in a header value', 'GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\x002\r\n\r\n', /control character 0x00/],
    ['a Content-Length of 5 followed by a non-breaking space', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\xA0\r\n\r\nhello', /invalid Content-Length/],
    ['a Content-Length list', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\nhello', /invalid Content-Length/],
    ['chunked with a vertical tab', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\x0B\r\n\r\n5\r\nhello\r\n0\r\n\r\n', /control character 0x0b/],
    ['a space after a chunk size', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n', /after a chunk size/],
    ['a last chunk that swallows the next request', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nGET /admin HTTP/1.1\r\nHost: a\r\n\r\n', /trailer/],
    ['HTTP/1.1 without Host', 'GET / HTTP/1.1\r\n\r\n', /missing Host/],
  ])('%s: 400 from the proxy itself, and nothing reaches the app', async (_what, wire, message) => {
    const upstreamApp = await app((_req, res) => res.end('ok'));
    const proxy = await proxyTo(upstreamApp);
    const socket = await open(proxy.port);
    const answer = readAll(socket);
    socket.write(Buffer.from(wire, 'latin1'));
    const text = await answer;
    expect(text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*connection: close/);
    expect(text.slice(text.indexOf('\r\n\r\n'))).toMatch(message);
    expect(upstreamApp.seen).toHaveLength(0);
  });

  it('applies the 60 KiB head limit however the head arrives: whole, in pieces, or after another request', async () => {
    const upstreamApp = await app((_req, res) => res.end('ok'));
    const proxy = await proxyTo(upstreamApp);
    const big = `GET /big HTTP/1.1\r\nHost: a\r\nX-Big: ${'b'.repeat(70 * 1024)}\r\n\r\n`;
    const whole = await open(proxy.port);
    const wholeAnswer = readAll(whole);
    whole.write(big);
    // The proxy's own 431 (its text), not node:http's behind it.
    expect(await wholeAnswer).toMatch(/^HTTP\/1\.1 431 [\s\S]*request header fields too large/);

    const pieces = await open(proxy.port);
    const piecesAnswer = readAll(pieces);
    for (let i = 0; i < big.length; i += 8 * 1024) {
      if (pieces.destroyed) break;
      pieces.write(big.slice(i, i + 8 * 1024));
      await sleep(5);
    }
    expect(await piecesAnswer).toMatch(/^HTTP\/1\.1 431 [\s\S]*request header fields too large/);

    const pipelined = await open(proxy.port);
    const pipelinedAnswer = readAll(pipelined);
    pipelined.write(`GET /small HTTP/1.1\r\nHost: a\r\n\r\n${big}`);
    expect(await pipelinedAnswer).toMatch(/^HTTP\/1\.1 200 [\s\S]*HTTP\/1\.1 431 [\s\S]*request header fields too large/);
    expect(upstreamApp.seen.map((s) => s.url)).toEqual(['/small']);
  });

  it('answers a flood of chunk extensions with 413 and of trailers with 431, instead of reading forever', async () => {
    const upstreamApp = await app((_req, res) => res.end('ok'));
    const proxy = await proxyTo(upstreamApp);
    for (const [prefix, filler, status] of [
      ['1;', 'x', 413],
      ['0\r\n', 'X-T: t\r\n', 431],
    ] as const) {
      const socket = await open(proxy.port);
      const answer = readAll(socket);
      socket.write(`POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n${prefix}`);
      // 1 MiB in 4 KiB writes; the proxy should have answered long before the end.
      const piece = filler.repeat(Math.ceil(4096 / filler.length));
      for (let sent = 0; sent < MiB && !socket.destroyed && socket.writable; sent += piece.length) {
        socket.write(piece);
        if (sent % (64 * 1024) < piece.length) await sleep(1);
      }
      expect(await answer).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    }
    expect(upstreamApp.seen).toHaveLength(0);
  });

  it('answers Expect: 100-continue itself, then forwards the body without the Expect header', async () => {
    const upstreamApp = await app((_req, res, body) => res.end(`got ${body}`));
    const proxy = await proxyTo(upstreamApp);
    const socket = await open(proxy.port);
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.write('POST /up HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n');
    await expect.poll(() => received, { timeout: 3000 }).toBe('HTTP/1.1 100 Continue\r\n\r\n');
    socket.write('hello');
    await expect.poll(() => received, { timeout: 3000 }).toMatch(/HTTP\/1\.1 200 OK[\s\S]*got hello$/);
    expect(upstreamApp.seen[0]!.headers.expect).toBeUndefined();
  });
});

describe('the proxy keeps memory bounded whatever the client does', () => {
  it('stops reading a large answer from upstream while the client is not reading it, and finishes it when it does', async () => {
    const total = 256 * MiB;
    let written = 0;
    const block = Buffer.alloc(64 * 1024, 0x61);
    const upstreamApp = await app((_req, res) => {
      res.setHeader('content-length', String(total));
      const pump = () => {
        while (written < total) {
          written += block.length;
          if (!res.write(block)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const proxy = await proxyTo(upstreamApp);
    const socket = await open(proxy.port);
    socket.pause();
    socket.write('GET /large HTTP/1.1\r\nHost: a\r\n\r\n');
    // With the client not reading, the upstream can only fill socket buffers, never the proxy's heap.
    const stalledAt = await settled(() => written);
    expect(stalledAt).toBeLessThan(32 * MiB);
    let received = 0;
    socket.on('data', (chunk: Buffer) => (received += chunk.length));
    socket.resume();
    await expect.poll(() => received, { timeout: 60_000, interval: 100 }).toBeGreaterThan(total);
  }, 90_000);

  it('answers pipelined requests only as fast as the client reads the answers', async () => {
    const answer = Buffer.alloc(64 * 1024, 0x62);
    const upstreamApp = await app((_req, res) => res.end(answer));
    const proxy = await proxyTo(upstreamApp);
    const socket = await open(proxy.port);
    socket.pause();
    const request = 'GET /p HTTP/1.1\r\nHost: a\r\n\r\n';
    socket.write(request.repeat(2000));
    const served = await settled(() => upstreamApp.seen.length);
    // 2,000 answers of 64 KiB would be 125 MiB held for a client that reads nothing.
    expect(served).toBeLessThan(200);
  }, 30_000);
});

describe('slow and greedy clients', () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.close();
    server = undefined;
  });

  it('answers 408 when a request takes longer than the read timeout to arrive, and never for one that arrives whole', async () => {
    server = createServer((socket) => serveConnection(socket, (exchange) => exchange.respond(200, [], 'ok'), { secure: false, requestReadTimeoutMs: 300 }));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const slow = await open(port);
    const slowAnswer = readAll(slow);
    slow.write('GET / HTTP/1.1\r\nHost: a\r\n');
    expect(await slowAnswer).toMatch(/^HTTP\/1\.1 408 Request Timeout/);

    const body = await open(port);
    const bodyAnswer = readAll(body);
    body.write('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhalf');
    expect(await bodyAnswer).toMatch(/^HTTP\/1\.1 408 /);

    const prompt = await open(port);
    let promptAnswer = '';
    prompt.on('data', (chunk: Buffer) => (promptAnswer += chunk.toString('latin1')));
    prompt.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    await sleep(600);
    expect(promptAnswer).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(prompt.destroyed).toBe(false);
  });

  it('closes connections beyond the listener limit and counts them, as Envoy counts downstream_cx_overflow', async () => {
    const stats = new Stats();
    const listener = httpListener({ host: '127.0.0.1', port: 0, statAddress: '0.0.0.0_9080', stats, maxConnections: 2 }, (exchange) => exchange.respond(200, [], 'ok'));
    await listener.listen();
    cleanups.push(() => listener.close());
    const first = await open(listener.port);
    const second = await open(listener.port);
    await sleep(100);
    const third = await open(listener.port);
    const thirdAnswer = readAll(third, 3000);
    third.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    expect(await thirdAnswer).toBe('');
    expect(third.destroyed || third.readableEnded).toBe(true);
    expect(stats.counter('listener.0.0.0.0_9080.downstream_cx_overflow')).toBe(1);
    const firstAnswer = readAll(first, 1000);
    first.write('GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    expect(await firstAnswer).toMatch(/^HTTP\/1\.1 200 OK/);
    second.destroy();
  });
});
