/**
 * Behaviour the proxy's hot path must keep while it is tuned for speed (see `pnpm bench`): the
 * headers it forwards, one write per small answer, idle timers that cost nothing per request,
 * readiness only once listeners are bound, and connection stats that survive a CONNECT tunnel.
 */
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { request } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { forwardHeaders, getHeaderValues, setHeader, type HeaderList } from '../src/http1/head.js';
import { serveConnection, type Exchange } from '../src/http1/server-connection.js';
import { ProxyRuntime } from '../src/proxy/runtime.js';
import type { ProxyConfig } from '../src/proxy/config.js';
import { get, upstream, type Upstream } from './helpers/servers.js';
import { everything, startProxy, type TestProxy } from './helpers/proxy.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  while (cleanups.length) await cleanups.pop()!();
});
async function track<T extends Upstream | TestProxy>(thing: Promise<T>): Promise<T> {
  const value = await thing;
  cleanups.push(() => value.close());
  return value;
}

/** What forwarding did before it became one pass: filter, remove, append, then set one by one. */
function forwardedTheLongWay(headers: HeaderList, drop: string[], append: string[], set: string[]): HeaderList {
  const named = getHeaderValues(headers, 'connection').flatMap((v) => v.split(',').map((t) => t.trim().toLowerCase()));
  const hopByHop = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'proxy-authorization'];
  const out: HeaderList = [];
  for (let i = 0; i < headers.length; i += 2) {
    const lower = headers[i]!.toLowerCase();
    if (hopByHop.includes(lower) || named.includes(lower) || drop.includes(lower)) continue;
    out.push(headers[i]!, headers[i + 1]!);
  }
  out.push(...append);
  for (let i = 0; i < set.length; i += 2) setHeader(out, set[i]!, set[i + 1]!);
  return out;
}

describe('forwarded headers', () => {
  const cases: HeaderList[] = [
    ['Host', 'a', 'User-Agent', 'curl', 'Accept', '*/*'],
    ['host', 'a', 'X-Request-Id', '1', 'x-request-id', '2', 'Content-Length', '3', 'Transfer-Encoding', 'chunked'],
    ['Connection', 'keep-alive, X-Secret', 'X-Secret', 's', 'Keep-Alive', 'timeout=5', 'X-Forwarded-Proto', 'https', 'TE', 'trailers'],
    ['X-Envoy-Original-Path', '/before', 'HOST', 'b', 'Host', 'c', 'Proxy-Authorization', 'Basic x', 'Upgrade', 'h2c'],
    [],
  ];
  const drop = ['transfer-encoding', 'content-length'];
  const append = ['content-length', '3', 'x-envoy-original-path', '/orig'];
  const set = ['host', 'svc:9080', 'x-forwarded-proto', 'http', 'x-request-id', 'id-1', 'x-envoy-expected-rq-timeout-ms', '15000'];

  it.each(cases.map((headers) => [headers]))('come out in one pass exactly as step by step: %j', (headers) => {
    expect(forwardHeaders(headers, drop, append, set)).toEqual(forwardedTheLongWay(headers, drop, append, set));
    expect(forwardHeaders(headers, [], [], ['server', 'envoy'])).toEqual(forwardedTheLongWay(headers, [], [], ['server', 'envoy']));
  });

  it('leave the list they were given alone', () => {
    const headers = ['Host', 'a', 'Connection', 'close'];
    forwardHeaders(headers, drop, append, set);
    expect(headers).toEqual(['Host', 'a', 'Connection', 'close']);
  });
});

/** A server whose connections are served by `handler`, and a way to count the writes on them. */
async function serve(handler: (exchange: Exchange) => void, idleTimeoutMs?: number): Promise<{ port: number; writes: () => number; server: Server }> {
  let writes = 0;
  const server = createServer((socket: Socket) => {
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    socket.write = ((...args: unknown[]) => {
      writes++;
      return write(...args);
    }) as Socket['write'];
    serveConnection(socket, handler, { secure: false, ...(idleTimeoutMs ? { idleTimeoutMs } : {}) });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.address() as AddressInfo).port, writes: () => writes, server };
}

describe('answers on the downstream connection', () => {
  it('send a head and the body that comes with it in one write', async () => {
    const server = await serve((exchange) => {
      exchange.sendHead(200, 'OK', ['content-length', '5'], false, true);
      exchange.write(Buffer.from('hello'), 5);
      exchange.end();
    });
    const answer = await get(server.port, '/');
    expect(answer).toMatchObject({ status: 200, body: 'hello' });
    expect(server.writes()).toBe(1);
  });

  it('still carry large bodies whole', async () => {
    const big = Buffer.alloc(100_000, 'x');
    const server = await serve((exchange) => {
      exchange.sendHead(200, 'OK', ['content-length', String(big.length)], false, true);
      exchange.write(big, big.length);
      exchange.end();
    });
    const answer = await get(server.port, '/');
    expect(answer.body).toBe(big.toString());
  });

  it('send a held head at the end of a body-less answer', async () => {
    const server = await serve((exchange) => {
      exchange.sendHead(204, 'No Content', [], false, true);
      exchange.end();
    });
    expect(await get(server.port, '/')).toMatchObject({ status: 204, body: '' });
    expect(server.writes()).toBe(1);
  });

  it('send the head alone when the body is not there yet', async () => {
    let release: (() => void) | undefined;
    const server = await serve((exchange) => {
      exchange.sendHead(200, 'OK', ['content-length', '4'], false);
      // The body is written only once the client has seen the head: a head held back for it would hang.
      release = () => {
        exchange.write(Buffer.from('late'), 4);
        exchange.end();
      };
    });
    const body = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path: '/', agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve(text));
        release!();
      });
      req.on('error', reject);
      req.end();
    });
    expect(body).toBe('late');
  });

  it('are closed after the idle timeout, counted from the last byte either way', async () => {
    const server = await serve((exchange) => exchange.respond(200, [], 'ok'), 150);
    const socket = connect(server.port, '127.0.0.1');
    const closed = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('close', () => resolve(text));
    });
    socket.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    expect(await closed).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nok$/);
  });
});

describe('pooled upstream connections', () => {
  it('close after 4 s idle, counted from their last use, however often they were reused', async () => {
    const app = await track(upstream((_req, res) => res.end('x')));
    const closes: number[] = [];
    app.server.on('connection', (socket) => socket.on('close', () => closes.push(1)));
    const proxy = await track(startProxy([everything('c')], [{ name: 'c', endpoints: [{ host: '127.0.0.1', port: app.port }] }]));
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    await get(proxy.port, '/');
    vi.advanceTimersByTime(3000);
    await get(proxy.port, '/'); // reused: idle again from here
    vi.advanceTimersByTime(1500); // the timer armed by the first release fires, finds it idle for 1.5 s only
    await new Promise((resolve) => setImmediate(resolve));
    expect(closes).toEqual([]);
    vi.advanceTimersByTime(2600);
    await vi.waitFor(() => expect(closes).toEqual([1]), { timeout: 2000, interval: 10 });
    expect(app.connections).toBe(1);
  });
});

describe('the request path with hooks', () => {
  it('skips building the completion entry for requests onComplete does not want', async () => {
    const app = await track(upstream((_req, res) => res.end('x')));
    const seen: string[] = [];
    const proxy = await track(
      startProxy([everything('c')], [{ name: 'c', endpoints: [{ host: '127.0.0.1', port: app.port }] }], {
        completes: (ctx) => ctx.exchange.head.path === '/wanted',
        onComplete: (_ctx, entry) => seen.push(entry.path),
      }),
    );
    await get(proxy.port, '/ignored');
    await get(proxy.port, '/wanted');
    expect(seen).toEqual(['/wanted']);
    expect(proxy.logs).toHaveLength(2);
    expect(proxy.stats.counter('cluster.c.upstream_rq_200')).toBe(2);
    expect(proxy.stats.counter('cluster.c.upstream_rq_2xx')).toBe(2);
  });
});

function sidecarConfig(listenerPort: number, appPort: number): ProxyConfig {
  return {
    version: '1',
    node: { id: 'n', resourceArn: 'mesh/m/virtualNode/vn', mesh: 'm', kind: 'sidecar', cluster: 'main' },
    listeners: [
      {
        name: 'lds_egress_0.0.0.0_15001',
        protocol: 'http',
        host: '127.0.0.1',
        port: listenerPort,
        statAddress: '0.0.0.0_15001',
        statPrefix: 'egress',
        unmatched: 'not-found',
        virtualHosts: [{ name: 'app', domains: ['*'], routes: [{ name: 'r', match: { prefix: '/' }, clusters: [{ cluster: 'app', weight: 1 }], timeoutMs: 15_000 }] }],
      },
    ],
    clusters: [{ name: 'app', endpoints: [{ host: '127.0.0.1', port: appPort }] }],
    passthrough: {},
  };
}

describe('a proxy runtime', () => {
  it('is LIVE only once its listeners are bound', async () => {
    const app = await track(upstream((_req, res) => res.end('up')));
    const runtime = new ProxyRuntime();
    cleanups.push(() => runtime.close());
    const applying = runtime.apply(sidecarConfig(0, app.port));
    expect(runtime.live).toBe(false);
    await applying;
    expect(runtime.live).toBe(true);
    const port = runtime.listenerPorts()['lds_egress_0.0.0.0_15001']!;
    expect((await get(port, '/')).body).toBe('up');
  });

  it('keeps counting a downstream connection that became a CONNECT tunnel until it closes', async () => {
    const app = await track(upstream((_req, res) => res.end('tunnelled')));
    const runtime = new ProxyRuntime();
    cleanups.push(() => runtime.close());
    await runtime.apply(sidecarConfig(0, app.port));
    const port = runtime.listenerPorts()['lds_egress_0.0.0.0_15001']!;
    const socket = connect(port, '127.0.0.1');
    const text = await new Promise<string>((resolve) => {
      let received = '';
      socket.on('data', (chunk) => {
        received += chunk.toString();
        if (received.includes('\r\n\r\n') && !received.includes('GET sent')) {
          received += 'GET sent';
          socket.write('GET / HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n');
        }
      });
      socket.on('close', () => resolve(received));
      socket.write('CONNECT app:80 HTTP/1.1\r\nHost: app:80\r\n\r\n');
    });
    expect(text).toMatch(/^HTTP\/1\.1 200 Connection Established\r\n\r\nGET sentHTTP\/1\.1 200 OK\r\n[\s\S]*tunnelled$/);
    expect(runtime.stats.counter('listener.0.0.0.0_15001.downstream_cx_total')).toBe(1);
    await vi.waitFor(() => expect(runtime.stats.gaugeValue('listener.0.0.0.0_15001.downstream_cx_active')).toBe(0), { timeout: 2000, interval: 10 });
  });
});
