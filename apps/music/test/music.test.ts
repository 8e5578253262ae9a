import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { createLogger, createMetrics } from '@amw/service-kit';
import { createMusicApp } from '../src/app.js';
import type { Genre, Version } from '../src/catalogue.js';

function music(genre: Genre, version: Version) {
  const logger = createLogger({ service: `${genre}-${version}`, write: () => {} });
  return supertest(createMusicApp({ genre, version, logger, metrics: createMetrics('music', { defaultMetrics: false }) }));
}

// The exact bodies of the original walkthrough, written out rather than derived from our code.
const expected: [Genre, Version, string][] = [
  ['jazz', 'v1', '["Astrud Gilberto","Miles Davis"]'],
  ['jazz', 'v2', '["Astrud Gilberto (Bahia, Brazil)","Miles Davis (Alton, Illinois)"]'],
  ['metal', 'v1', '["Megadeth","Judas Priest"]'],
  ['metal', 'v2', '["Megadeth (Los Angeles, California)","Judas Priest (West Bromwich, England)"]'],
];

describe.each(expected)('%s %s', (genre, version, body) => {
  it.each(['/', '/jazz', '/dj/metal?x=1', '/%E0%A4%A'])('answers GET %s with the exact list as JSON', async (path) => {
    const res = await music(genre, version).get(path);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json(;|$)/);
    expect(res.text).toBe(body);
  });

  it('answers GET /ping with 200 and an empty body', async () => {
    await music(genre, version).get('/ping').expect(200, '');
  });
});

describe('music service', () => {
  it.each(['post', 'put', 'patch', 'delete'] as const)('refuses %s with 405 JSON', async (method) => {
    const res = await music('jazz', 'v1')[method]('/');
    expect(res.status).toBe(405);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers.allow).toBe('GET, HEAD');
    expect(res.body).toEqual({ error: `method ${method.toUpperCase()} not allowed: jazz only answers GET` });
  });

  it('answers HEAD like GET without a body', async () => {
    const res = await music('metal', 'v1').head('/');
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe(String('["Megadeth","Judas Priest"]'.length));
  });

  it('serves Prometheus metrics on /metrics', async () => {
    const app = music('metal', 'v2');
    await app.get('/');
    const res = await app.get('/metrics').expect(200);
    expect(res.text).toContain('http_requests_total{method="GET",route="/.*/",status="200",service="music"} 1');
  });
});
