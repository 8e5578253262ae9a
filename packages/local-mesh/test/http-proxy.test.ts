import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { get, upstream, type Upstream } from './helpers/servers.js';
import { everything, startProxy, type TestProxy } from './helpers/proxy.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
async function track<T extends Upstream | TestProxy>(thing: Promise<T>): Promise<T> {
  const value = await thing;
  cleanups.push(() => value.close());
  return value;
}
const deadPort = async () => {
  const u = await upstream(() => {});
  await u.close();
  return u.port;
};

describe('HttpProxy forwarding', () => {
  it('forwards a request and answers like Envoy does', async () => {
    const app = await track(upstream((_req, res) => res.setHeader('server', 'app').end('white')));
    const proxy = await track(startProxy([everything('c')], [{ name: 'c', endpoints: [{ host: '127.0.0.1', port: app.port }] }]));
    const answer = await get(proxy.port, '/tell?x=1', { headers: { host: 'colorteller-1.default.svc.cluster.local:9080', 'user-agent': 'curl/8' } });
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('white');
    expect(answer.headers.server).toBe('envoy');
    expect(Number(answer.headers['x-envoy-upstream-service-time'])).toBeGreaterThanOrEqual(0);
    const seen = app.seen[0]!;
    expect(seen.url).toBe('/tell?x=1');
    expect(seen.headers.host).toBe('colorteller-1.default.svc.cluster.local:9080');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen.headers['x-envoy-expected-rq-timeout-ms']).toBe('15000');
    expect(proxy.stats.counter('cluster.c.upstream_rq_200')).toBe(1);
    expect(proxy.stats.counter('http.egress.downstream_rq_2xx')).toBe(1);
    expect(proxy.logs[0]).toMatch(
      /^\[\d{4}-\d\d-\d\dT[\d:.]+Z\] "GET \/tell\?x=1 HTTP\/1\.1" 200 - 0 5 \d+ \d+ "-" "curl\/8" "[0-9a-f-]{36}" "colorteller-1\.default\.svc\.cluster\.local:9080" "127\.0\.0\.1:\d+"$/,
    );
  });

  it('takes an absolute-form request from an HTTP_PROXY client and sends origin-form upstream', async () => {
    const app = await track(upstream((_req, res) => res.end('ok')));
    const proxy = await track(startProxy([everything('c')], [{ name: 'c', endpoints: [{ host: '127.0.0.1', port: app.port }] }]));
    const answer = await get(proxy.port, 'http://jazz.prod.svc.cluster.local:9080/list', { headers: { host: 'jazz.prod.svc.cluster.local:9080' } });
    expect(answer.body).toBe('ok');
    expect(app.seen[0]!.url).toBe('/list');
  });

  it('sends request bodies with a content-length, whether they came chunked or not', async () => {
    const app = await track(upstream((_req, res, body) => res.end(`got ${body}`)));
    const proxy = await track(startProxy([everything('c')], [{ name: 'c', endpoints: [{ host: '127.0.0.1', port: app.port }] }]));
    expect((await get(proxy.port, '/', { method: 'POST', body: 'hello' })).body).toBe('got hello');
    expect((await get(proxy.port, '/', { method: 'POST', body: 'chunky', headers: { 'transfer-encoding': 'chunked' } })).body).toBe('got chunky');
    expect(app.seen[1]!.headers['content-length']).toBe('6');
    expect(app.seen[1]!.headers['transfer-encoding']).toBeUndefined();
  });

  it('streams a chunked answer through, and de-chunks it for an HTTP/1.0 client', async () => {
    const app = await track(
      upstream((_req, res) => {
        res.write('par');
        setTimeout(() => res.end('tial'), 20);
      }),
    );
    const proxy = await track(startProxy([everything('c')], [{ name: 'c', endpoints: [{ host: '127.0.0.1', port: app.port }] }]));
    expect((await get(proxy.port, '/')).body).toBe('partial');
    const raw = await new Promise<string>((resolve) => {
      const socket = connect(proxy.port, '127.0.0.1', () => socket.write('GET / HTTP/1.0\r\nHost: x\r\n\r\n'));
      let text = '';
      socket.on('data', (d) => (text += d.toString()));
      socket.on('end', () => resolve(text));
    });
    expect(raw).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(raw).not.toMatch(/transfer-encoding/i);
    expect(raw.endsWith('\r\n\r\npartial')).toBe(true);
  });

  it('keeps upstream connections alive across requests', async () => {
    const app = await track(upstream((_req, res) => res.end('x')));
    const proxy = await track(startProxy([everything('c')], [{ name: 'c', endpoints: [{ host: '127.0.0.1', port: app.port }] }]));
    for (let i = 0; i < 5; i++) await get(proxy.port, '/');
    expect(app.connections).toBe(1);
    expect(proxy.stats.counter('cluster.c.upstream_cx_total')).toBe(1);
  });

  it('rejects malformed requests with 400 and closes', async () => {
    const proxy = await track(startProxy([everything('c')], []));
    const raw = await new Promise<string>((resolve) => {
      const socket = connect(proxy.port, '127.0.0.1', () => socket.write('GARBAGE\r\n\r\n'));
      let text = '';
      socket.on('data', (d) => (text += d.toString()));
      socket.on('end', () => resolve(text));
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 Bad Request/);
  });
});

describe('Envoy local replies', () => {
  it('404 with an empty body when no route matches', async () => {
    const proxy = await track(
      startProxy([{ name: 'v', domains: ['known'], routes: [{ name: 'r', match: { prefix: '/tell' }, clusters: [{ cluster: 'c', weight: 1 }], timeoutMs: 0 }] }], []),
    );
    expect(await get(proxy.port, '/tell', { headers: { host: 'unknown' } })).toMatchObject({ status: 404, body: '' });
    expect(await get(proxy.port, '/other', { headers: { host: 'known' } })).toMatchObject({ status: 404, body: '' });
    expect(proxy.logs[0]).toContain('" 404 NR ');
  });

  it('503 "no healthy upstream" when the cluster has no endpoints', async () => {
    const proxy = await track(startProxy([everything('c')], [{ name: 'c', endpoints: [] }]));
    expect(await get(proxy.port, '/')).toMatchObject({ status: 503, body: 'no healthy upstream' });
  });

  it('503 with the connection failure text when the endpoint refuses', async () => {
    const proxy = await track(startProxy([everything('c')], [{ name: 'c', endpoints: [{ host: '127.0.0.1', port: await deadPort() }] }]));
    expect(await get(proxy.port, '/')).toMatchObject({
      status: 503,
      body: 'upstream connect error or disconnect/reset before headers. reset reason: connection failure',
    });
    expect(proxy.stats.counter('cluster.c.upstream_cx_connect_fail')).toBe(1);
    expect(proxy.logs[0]).toContain('" 503 UF ');
  });

  it('504 "upstream request timeout" when the route timeout fires', async () => {
    const app = await track(upstream(() => {}));
    const proxy = await track(startProxy([everything('c', { timeoutMs: 150 })], [{ name: 'c', endpoints: [{ host: '127.0.0.1', port: app.port }] }]));
    expect(await get(proxy.port, '/')).toMatchObject({ status: 504, body: 'upstream request timeout' });
    expect(proxy.stats.counter('cluster.c.upstream_rq_timeout')).toBe(1);
  });

  it('503 overflow when the connection pool and its queue are full', async () => {
    const release: (() => void)[] = [];
    const app = await track(upstream((_req, res) => release.push(() => res.end('late'))));
    const proxy = await track(
      startProxy([everything('c')], [{ name: 'c', endpoints: [{ host: '127.0.0.1', port: app.port }], maxConnections: 1, maxPendingRequests: 0 }]),
    );
    const first = get(proxy.port, '/');
    while (release.length === 0) await new Promise((r) => setTimeout(r, 10));
    expect(await get(proxy.port, '/')).toMatchObject({
      status: 503,
      body: 'upstream connect error or disconnect/reset before headers. reset reason: overflow',
    });
    release[0]!();
    expect((await first).body).toBe('late');
    expect(proxy.stats.counter('cluster.c.upstream_rq_pending_overflow')).toBe(1);
  });
});

describe('retries', () => {
  const flaky = () => {
    let calls = 0;
    return upstream((_req, res) => {
      calls++;
      if (calls % 2 === 1) res.writeHead(503).end('fault injected');
      else res.end('white');
    });
  };

  it('without a retry policy the failure reaches the client', async () => {
    const app = await track(flaky());
    const proxy = await track(startProxy([everything('c')], [{ name: 'c', endpoints: [{ host: '127.0.0.1', port: app.port }] }]));
    expect(await get(proxy.port, '/')).toMatchObject({ status: 503, body: 'fault injected' });
  });

  it('a gateway-error retry policy hides it', async () => {
    const app = await track(flaky());
    const retry = { maxRetries: 2, perTryTimeoutMs: 2000, events: ['gateway-error' as const] };
    const proxy = await track(startProxy([everything('c', { retry })], [{ name: 'c', endpoints: [{ host: '127.0.0.1', port: app.port }] }]));
    for (let i = 0; i < 4; i++) expect(await get(proxy.port, '/')).toMatchObject({ status: 200, body: 'white' });
    expect(proxy.stats.counter('cluster.c.upstream_rq_retry')).toBe(4);
  });

  it('client-error retries 409 only, as Envoy’s retriable-4xx', async () => {
    const app = await track(upstream((_req, res) => res.writeHead(404).end('nope')));
    const retry = { maxRetries: 2, perTryTimeoutMs: 2000, events: ['client-error' as const] };
    const proxy = await track(startProxy([everything('c', { retry })], [{ name: 'c', endpoints: [{ host: '127.0.0.1', port: app.port }] }]));
    expect((await get(proxy.port, '/')).status).toBe(404);
    expect(app.seen).toHaveLength(1);
  });

  it('retries a connection failure on another host when connection-error is set', async () => {
    const app = await track(upstream((_req, res) => res.end('alive')));
    const retry = { maxRetries: 1, perTryTimeoutMs: 2000, events: ['connection-error' as const] };
    const proxy = await track(
      startProxy(
        [everything('c', { retry })],
        [{ name: 'c', endpoints: [{ host: '127.0.0.1', port: await deadPort() }, { host: '127.0.0.1', port: app.port }] }],
      ),
    );
    for (let i = 0; i < 4; i++) expect((await get(proxy.port, '/')).body).toBe('alive');
  });
});
