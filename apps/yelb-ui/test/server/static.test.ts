import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpClient } from '@amw/service-kit';
import type { Express } from 'express';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaticSiteMissingError, createStaticSite } from '../../src/server/static-files.js';
import { makeApp, makeSite, rawGet } from './support.js';

describe('serving the built page', () => {
  let site: Awaited<ReturnType<typeof makeSite>>;
  let app: Express;
  let client: HttpClient;
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    site = await makeSite();
    // Nothing listens here; these tests never reach /api.
    ({ app, client } = await makeApp({ staticDir: site.root, endpoint: 'http://127.0.0.1:9' }));
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await client.close();
    await site.cleanup();
  });

  it('serves index.html at / as HTML that browsers must revalidate', async () => {
    const res = await supertest(app).get('/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.text).toContain('<title>Yelb</title>');
  });

  it('serves hashed assets with their content type and a year-long immutable cache', async () => {
    const js = await supertest(app).get('/assets/index-Ab12Cd34.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.headers['x-content-type-options']).toBe('nosniff');
    expect(js.text).toBe('console.log("yelb");');

    const css = await supertest(app).get('/assets/index-Ef56Gh78.css');
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('serves files outside assets/ without a long cache', async () => {
    const res = await supertest(app).get('/favicon.svg');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/svg+xml');
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it('answers a revalidation with 304 when the file has not changed', async () => {
    const first = await supertest(app).get('/');
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^W\/"/);
    const again = await supertest(app).get('/').set('If-None-Match', etag);
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
  });

  it('answers HEAD with the headers and no body', async () => {
    const res = await supertest(app).head('/assets/index-Ab12Cd34.js');
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe(String('console.log("yelb");'.length));
    expect(res.text).toBeUndefined();
  });

  it('falls back to index.html for paths of the page itself', async () => {
    for (const path of ['/votes', '/some/deep/link', '/?utm=workshop']) {
      const res = await supertest(app).get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers['content-type'], path).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control'], path).toBe('no-cache');
      expect(res.text, path).toContain('<title>Yelb</title>');
    }
  });

  it('answers 404 JSON, not the page, for missing files', async () => {
    for (const path of ['/assets/index-missing.js', '/robots.txt', '/img/logo.png']) {
      const res = await supertest(app).get(path);
      expect(res.status, path).toBe(404);
      expect(res.body, path).toEqual({ error: 'not found', path });
    }
  });

  it('never serves dotfiles', async () => {
    const res = await supertest(app).get('/.env');
    expect(res.status).toBe(404);
    expect(res.text).not.toContain('SECRET');
  });

  it('refuses path traversal, however it is spelled', async () => {
    for (const path of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/assets/%2E%2E%2F%2E%2E%2Fsecret.txt', '/..%5csecret.txt']) {
      const res = await rawGet(baseUrl, path);
      expect(res.status, path).toBe(400);
      expect(JSON.parse(res.body), path).toMatchObject({ error: "path traversal ('..') is not allowed" });
      expect(res.body, path).not.toContain('outside the site root');
    }
  });

  it('refuses malformed percent-encoding and NUL bytes with 400 JSON', async () => {
    expect((await rawGet(baseUrl, '/%E0%A4%A')).status).toBe(400);
    const nul = await rawGet(baseUrl, '/index.html%00.js');
    expect(nul.status).toBe(400);
    expect(JSON.parse(nul.body)).toMatchObject({ error: 'NUL byte in the path' });
  });

  it('answers 405 JSON for other methods outside /api', async () => {
    const res = await supertest(app).post('/').send('x');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
    expect(res.body.error).toContain('only GET and HEAD');
  });

  it('keeps /ping and /metrics from service-kit', async () => {
    expect((await supertest(app).get('/ping')).status).toBe(200);
    const metrics = await supertest(app).get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('http_requests_total');
  });

  it('refuses to start without a built page, and says how to fix it', async () => {
    await expect(createStaticSite(`${site.dir}/nowhere`)).rejects.toThrow(StaticSiteMissingError);
    await expect(createStaticSite(`${site.dir}/nowhere`)).rejects.toThrow(/run `pnpm build`/);
  });
});
