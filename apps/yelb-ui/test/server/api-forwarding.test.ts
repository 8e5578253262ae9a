import { createServer, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpClient } from '@amw/service-kit';
import type { Express } from 'express';
import supertest from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, makeApp, makeSite, recordingServer, type Recorded } from './support.js';

type Upstream = Awaited<ReturnType<typeof recordingServer>>;

/** The appserver stand-in answers like the real one would, and echoes what it saw in headers. */
function appserverReply(req: Recorded, res: ServerResponse): void {
  if (req.url.startsWith('/api/broken')) {
    res.writeHead(503, { 'Content-Type': 'application/json', 'Retry-After': '1' });
    res.end(JSON.stringify({ error: 'postgres is unavailable', dependency: 'postgres' }));
    return;
  }
  if (req.url.startsWith('/api/big')) {
    // Several writes with no length: the answer arrives chunked and must stream through.
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    for (let i = 0; i < 64; i++) res.write(`${String(i).padStart(4, '0')}:${'y'.repeat(16 * 1024)}\n`);
    res.end('end');
    return;
  }
  res.writeHead(201, {
    'Content-Type': 'application/json',
    'X-Appserver': 'yes',
    'Set-Cookie': ['a=1', 'b=2'],
    Connection: 'X-Upstream-Private',
    'X-Upstream-Private': 'connection-scoped',
    'Keep-Alive': 'timeout=5',
  });
  res.end(JSON.stringify({ method: req.method, url: req.url, body: req.body }));
}

describe('forwarding /api to the appserver', () => {
  let site: Awaited<ReturnType<typeof makeSite>>;
  let upstream: Upstream;
  let app: Express;
  let client: HttpClient;
  const extraClients: HttpClient[] = [];
  const extraServers: Upstream[] = [];

  beforeAll(async () => {
    site = await makeSite();
    upstream = await recordingServer(appserverReply);
    ({ app, client } = await makeApp({ staticDir: site.root, endpoint: upstream.url }));
  });
  afterEach(async () => {
    await Promise.all(extraClients.splice(0).map((c) => c.close()));
    await Promise.all(extraServers.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await client.close();
    await upstream.close();
    await site.cleanup();
  });

  const lastSeen = () => upstream.seen.at(-1)!;

  it('forwards a GET with its path and query over HTTP/1.1, with the appserver as Host', async () => {
    const res = await supertest(app).get('/api/getvotes?x=1&y=two%20words');
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ method: 'GET', url: '/api/getvotes?x=1&y=two%20words', body: '' });
    expect(lastSeen().httpVersion).toBe('1.1');
    expect(lastSeen().headers.host).toBe(`127.0.0.1:${upstream.port}`);
  });

  it('forwards the method, body and end-to-end headers, and drops hop-by-hop ones', async () => {
    const res = await supertest(app)
      .post('/api/ihop')
      .set('Content-Type', 'application/json')
      .set('X-Request-Id', 'req-42')
      .set('Connection', 'keep-alive, X-Client-Private')
      .set('X-Client-Private', 'for the first hop only')
      .set('Proxy-Authorization', 'Basic c2VjcmV0')
      .send({ vote: 'ihop' });
    expect(res.status).toBe(201);
    const seen = lastSeen();
    expect(seen.method).toBe('POST');
    expect(seen.body).toBe('{"vote":"ihop"}');
    expect(seen.headers['content-type']).toBe('application/json');
    expect(seen.headers['x-request-id']).toBe('req-42');
    expect(seen.headers['x-client-private']).toBeUndefined();
    expect(seen.headers['proxy-authorization']).toBeUndefined();
    expect(seen.headers['x-forwarded-for']).toMatch(/127\.0\.0\.1/);
    expect(seen.headers['x-forwarded-proto']).toBe('http');
  });

  it('passes the answer back: status, body and headers, minus hop-by-hop ones', async () => {
    const res = await supertest(app).get('/api/getstats');
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['x-appserver']).toBe('yes');
    expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(res.headers['x-upstream-private']).toBeUndefined();
    expect(res.headers['keep-alive']).toBeUndefined();
  });

  it("passes the appserver's own errors through unchanged", async () => {
    const res = await supertest(app).get('/api/broken');
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.body).toEqual({ error: 'postgres is unavailable', dependency: 'postgres' });
  });

  it('forwards every method', async () => {
    for (const method of ['put', 'patch', 'delete', 'options'] as const) {
      const res = await supertest(app)[method]('/api/anything');
      expect(res.status, method).toBe(201);
      expect(lastSeen().method, method).toBe(method.toUpperCase());
    }
    await supertest(app).head('/api/anything').expect(201);
    expect(lastSeen().method).toBe('HEAD');
  });

  it('streams a chunked request body and a chunked answer', async () => {
    const server: Server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const pieces = ['first,', 'second,', 'third'];
      const answer = await new Promise<{ status: number; body: string; chunked: boolean }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/api/upload', method: 'PUT', headers: { 'Content-Type': 'text/plain' } }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, chunked: res.headers['transfer-encoding'] === 'chunked' }));
        });
        req.on('error', reject);
        for (const piece of pieces) req.write(piece);
        req.end();
      });
      expect(answer.status).toBe(201);
      expect(JSON.parse(answer.body)).toMatchObject({ method: 'PUT', body: 'first,second,third' });

      const big = await supertest(app).get('/api/big');
      expect(big.status).toBe(200);
      expect(big.text.length).toBe(64 * (5 + 16 * 1024 + 1) + 3);
      expect(big.text.endsWith('\nend')).toBe(true);
      expect(big.headers['transfer-encoding']).toBe('chunked');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("accepts the original page's double-slash paths", async () => {
    const res = await supertest(app).get('//api/getvotes');
    expect(res.status).toBe(201);
    expect(lastSeen().url).toBe('/api/getvotes');
    await supertest(app).get('//api//hostname?next=//x').expect(201);
    expect(lastSeen().url).toBe('/api/hostname?next=//x');
  });

  it('appends the path to an endpoint that has a path of its own', async () => {
    const { app: prefixed, client: c } = await makeApp({ staticDir: site.root, endpoint: `${upstream.url}/stage/` });
    extraClients.push(c);
    await supertest(prefixed).get('/api/getvotes').expect(201);
    expect(lastSeen().url).toBe('/stage/api/getvotes');
  });

  it('answers 502 JSON naming the endpoint when the appserver is unreachable', async () => {
    const port = await closedPort();
    const { app: lonely, client: c } = await makeApp({ staticDir: site.root, endpoint: `http://127.0.0.1:${port}` });
    extraClients.push(c);
    const res = await supertest(lonely).get('/api/getvotes');
    expect(res.status).toBe(502);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({ error: 'cannot reach the Yelb app server (ECONNREFUSED)', upstream: `http://127.0.0.1:${port}` });
  });

  it('answers 504 JSON when the appserver accepts but never answers', async () => {
    const silent = await recordingServer(() => {
      // Holds the request open: the client's timeout must end it.
    });
    extraServers.push(silent);
    const { app: waiting, client: c } = await makeApp({ staticDir: site.root, endpoint: silent.url, timeoutMs: 300 });
    extraClients.push(c);
    const res = await supertest(waiting).get('/api/getvotes');
    expect(res.status).toBe(504);
    expect(res.body).toEqual({ error: 'the Yelb app server did not answer in time (UND_ERR_HEADERS_TIMEOUT)', upstream: silent.url });
  });

  it('sends requests through HTTP_PROXY in absolute form, as the mesh sidecar expects', async () => {
    const proxy = await recordingServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ via: 'sidecar', url: req.url }));
    });
    extraServers.push(proxy);
    // The mesh name does not resolve here: only the proxy can answer.
    const { app: meshed, client: c } = await makeApp({
      staticDir: site.root,
      endpoint: 'http://yelb-appserver:4567',
      env: { HTTP_PROXY: proxy.url },
    });
    extraClients.push(c);
    const res = await supertest(meshed).get('/api/getvotes?fresh=1');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ via: 'sidecar', url: 'http://yelb-appserver:4567/api/getvotes?fresh=1' });
    expect(proxy.seen).toHaveLength(1);
    expect(proxy.seen[0]!.headers.host).toBe('yelb-appserver:4567');
    expect(proxy.seen[0]!.method).toBe('GET');
  });
});
