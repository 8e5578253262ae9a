import supertest from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpClient, createLogger, createMetrics, type Env } from '@amw/service-kit';
import { createDjApp } from '../src/app.js';
import { readDjConfig } from '../src/config.js';
import { closedPort, listen, recordingProxy, type TestServer } from './servers.js';

const JAZZ_V1 = '["Astrud Gilberto","Miles Davis"]';
const METAL_V2 = '["Megadeth (Los Angeles, California)","Judas Priest (West Bromwich, England)"]';

const servers: TestServer[] = [];
const clients: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(handler: Parameters<typeof listen>[0]): Promise<TestServer> {
  const server = await listen(handler);
  servers.push(server);
  return server;
}

/** The DJ as main.ts builds it, from an environment. */
function dj(vars: Env, clientEnv: Env = {}) {
  const config = readDjConfig(vars);
  const client = createHttpClient({ env: clientEnv, timeoutMs: config.UPSTREAM_TIMEOUT_MS });
  clients.push(client);
  const app = createDjApp({
    logger: createLogger({ service: 'dj', write: () => {} }),
    metrics: createMetrics('dj', { defaultMetrics: false }),
    client,
    upstreams: { jazz: config.JAZZ_URL, metal: config.METAL_URL },
    timeoutMs: config.UPSTREAM_TIMEOUT_MS,
  });
  return supertest(app);
}

describe('DJ', () => {
  it('reports for duty on GET /', async () => {
    const res = await dj({}).get('/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.text).toBe('DJ Reporting for duty!');
  });

  it('answers /ping and /metrics', async () => {
    const app = dj({});
    await app.get('/ping').expect(200, '');
    await app.get('/');
    expect((await app.get('/metrics').expect(200)).text).toContain('http_requests_total{method="GET",route="/",status="200",service="dj"} 1');
  });

  it('answers unknown paths with 404 JSON and other methods with 405 JSON', async () => {
    const app = dj({});
    const missing = await app.get('/blues');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/^application\/json/);
    expect(missing.body).toEqual({ error: 'not found', path: '/blues' });
    const post = await app.post('/jazz').expect(405);
    expect(post.body.error).toMatch(/POST not allowed on \/jazz/);
  });

  it('relays jazz and metal from their backends, with status, body and content type', async () => {
    const jazz = await serve((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JAZZ_V1));
    const metal = await serve((_req, res) => res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(METAL_V2));
    const app = dj({ JAZZ_URL: jazz.url, METAL_URL: metal.url });

    const j = await app.get('/jazz');
    expect(j.status).toBe(200);
    expect(j.headers['content-type']).toBe('application/json');
    expect(j.text).toBe(JAZZ_V1);
    const m = await app.get('/metal');
    expect(m.status).toBe(200);
    expect(m.text).toBe(METAL_V2);
    expect(jazz.seen).toEqual([{ method: 'GET', url: '/', host: `127.0.0.1:${jazz.port}` }]);
    expect(metal.seen).toHaveLength(1);
  });

  it("relays an upstream error as it is, so the mesh's answer stays visible", async () => {
    const jazz = await serve((_req, res) => res.writeHead(503, { 'content-type': 'text/plain' }).end('no healthy upstream'));
    const res = await dj({ JAZZ_URL: jazz.url }).get('/jazz');
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toBe('text/plain');
    expect(res.text).toBe('no healthy upstream');
  });

  it('calls the mesh name through HTTP_PROXY in absolute form, as a sidecar sees it', async () => {
    const jazz = await serve((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JAZZ_V1));
    const metal = await serve((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(METAL_V2));
    const jazzSidecar = await recordingProxy(jazz);
    const metalSidecar = await recordingProxy(metal);
    servers.push(jazzSidecar, metalSidecar);

    const viaJazz = await dj({}, { HTTP_PROXY: jazzSidecar.url }).get('/jazz');
    expect(viaJazz.status).toBe(200);
    expect(viaJazz.text).toBe(JAZZ_V1);
    expect(jazzSidecar.seen).toEqual([{ method: 'GET', url: 'http://jazz.prod.svc.cluster.local:9080/', host: 'jazz.prod.svc.cluster.local:9080' }]);
    expect(jazz.seen).toEqual([{ method: 'GET', url: '/', host: 'jazz.prod.svc.cluster.local:9080' }]);

    const viaMetal = await dj({}, { http_proxy: metalSidecar.url }).get('/metal');
    expect(viaMetal.text).toBe(METAL_V2);
    expect(metalSidecar.seen).toEqual([{ method: 'GET', url: 'http://metal.prod.svc.cluster.local:9080/', host: 'metal.prod.svc.cluster.local:9080' }]);
  });

  it('answers 502 JSON naming the upstream when nothing listens', async () => {
    const port = await closedPort();
    const res = await dj({ METAL_URL: `http://127.0.0.1:${port}/` }).get('/metal');
    expect(res.status).toBe(502);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({ upstream: 'metal', error: `upstream metal (http://127.0.0.1:${port}/) is unreachable: ECONNREFUSED` });
  });

  it('answers 504 JSON naming the upstream when it does not answer in time', async () => {
    const silent = await serve(() => {});
    const res = await dj({ JAZZ_URL: silent.url, UPSTREAM_TIMEOUT_MS: '100' }).get('/jazz');
    expect(res.status).toBe(504);
    expect(res.body).toEqual({ upstream: 'jazz', error: `upstream jazz (${silent.url}) did not answer within 100 ms` });
    expect(silent.seen).toHaveLength(1);
  });

  it('answers 504 when the body stalls after the headers', async () => {
    const stalling = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('["Astrud');
    });
    const res = await dj({ JAZZ_URL: stalling.url, UPSTREAM_TIMEOUT_MS: '100' }).get('/jazz');
    expect(res.status).toBe(504);
    expect(res.body.upstream).toBe('jazz');
  });
});
