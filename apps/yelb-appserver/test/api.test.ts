import { postgresForTests, redisForTests } from '@amw/dev-stack/testing';
import { Redis } from 'ioredis';
import supertest from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CORS_HEADERS,
  createAppserverApp,
  createPostgresVotes,
  createRedisPageviews,
  reportedHostname,
  type PostgresVotes,
  type RedisPageviews,
} from '../src/index.js';
import { quietLogger, readCounts, withClient } from './support.js';

const postgres = await postgresForTests('appserver');
const redis = await redisForTests();

describe.skipIf(!postgres || !redis)('the Yelb API', () => {
  let votes: PostgresVotes;
  let pageviews: RedisPageviews;
  let inspect: Redis;
  let app: ReturnType<typeof createAppserverApp>;

  beforeAll(async () => {
    const logger = quietLogger();
    votes = createPostgresVotes({ databaseUrl: postgres!.url, logger });
    await votes.start();
    pageviews = createRedisPageviews({ redisUrl: redis!.url, logger });
    await pageviews.firstConnection(2000);
    inspect = new Redis(redis!.url);
    app = createAppserverApp({ votes, pageviews, hostname: 'appserver-test-host', logger });
  });

  afterAll(async () => {
    await votes?.close();
    await pageviews?.close();
    inspect?.disconnect();
    await postgres?.drop();
    await redis?.release();
  });

  beforeEach(async () => {
    await withClient(postgres!.url, (c) => c.query('UPDATE restaurants SET count = 0'));
    await inspect.del('pageviews');
  });

  const expectCors = (headers: Record<string, string>) => {
    for (const [name, value] of Object.entries(CORS_HEADERS)) expect(headers[name.toLowerCase()]).toBe(value);
  };

  describe('GET /api/getvotes', () => {
    it('lists the four restaurants in the fixed order with numeric values', async () => {
      await withClient(postgres!.url, (c) => c.query("UPDATE restaurants SET count = 3 WHERE name = 'outback'"));
      await withClient(postgres!.url, (c) => c.query("UPDATE restaurants SET count = 1 WHERE name = 'ihop'"));
      const res = await supertest(app).get('/api/getvotes');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expectCors(res.headers);
      expect(JSON.parse(res.text)).toStrictEqual([
        { name: 'outback', value: 3 },
        { name: 'bucadibeppo', value: 0 },
        { name: 'ihop', value: 1 },
        { name: 'chipotle', value: 0 },
      ]);
    });
  });

  describe('GET /api/<restaurant>', () => {
    it.each(['ihop', 'chipotle', 'outback', 'bucadibeppo'])('/api/%s adds one vote and answers the new count as plain text', async (name) => {
      const first = await supertest(app).get(`/api/${name}`);
      expect(first.status).toBe(200);
      expect(first.headers['content-type']).toBe('text/plain; charset=utf-8');
      expectCors(first.headers);
      expect(first.text).toBe('1');
      expect((await supertest(app).get(`/api/${name}`)).text).toBe('2');
      const counts = await readCounts(postgres!.url);
      expect(counts[name]).toBe(2);
      expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(2);
    });

    it('the vote shows in getvotes at once', async () => {
      await supertest(app).get('/api/chipotle');
      const res = await supertest(app).get('/api/getvotes');
      expect(res.body).toContainEqual({ name: 'chipotle', value: 1 });
    });

    it('answers 404 naming an unknown restaurant and listing the valid ones, and changes nothing', async () => {
      await supertest(app).get('/api/ihop');
      const before = await readCounts(postgres!.url);
      for (const name of ['pizzahut', 'IHOP', 'ihop%20', 'GETVOTES']) {
        const res = await supertest(app).get(`/api/${name}`);
        expect(res.status).toBe(404);
        expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
        expect(res.body.error).toContain(JSON.stringify(decodeURIComponent(name)));
        expect(res.body.error).toContain('outback, bucadibeppo, ihop, chipotle');
        expect(res.body.restaurants).toEqual(['outback', 'bucadibeppo', 'ihop', 'chipotle']);
      }
      expect(await readCounts(postgres!.url)).toEqual(before);
      expect(await withClient(postgres!.url, (c) => c.query('SELECT count(*)::int AS n FROM restaurants'))).toMatchObject({ rows: [{ n: 4 }] });
    });

    it('a row deleted while running is seeded again on the next vote for it', async () => {
      await withClient(postgres!.url, (c) => c.query("DELETE FROM restaurants WHERE name = 'ihop'"));
      const res = await supertest(app).get('/api/ihop');
      expect(res.status).toBe(200);
      expect(res.text).toBe('1');
    });
  });

  describe('page views', () => {
    it('GET /api/getstats reports the hostname and adds one page view per call', async () => {
      const first = await supertest(app).get('/api/getstats');
      expect(first.status).toBe(200);
      expect(first.headers['content-type']).toBe('application/json; charset=utf-8');
      expectCors(first.headers);
      expect(JSON.parse(first.text)).toStrictEqual({ hostname: 'appserver-test-host', pageviews: 1 });
      const second = await supertest(app).get('/api/getstats');
      expect(second.body).toStrictEqual({ hostname: 'appserver-test-host', pageviews: 2 });
      expect(await inspect.get('pageviews')).toBe('2');
    });

    it('GET /api/pageviews increments the Redis counter and answers the bare number', async () => {
      await inspect.set('pageviews', '41');
      const res = await supertest(app).get('/api/pageviews');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expectCors(res.headers);
      expect(res.text).toBe('42');
      expect(await inspect.get('pageviews')).toBe('42');
    });

    it('answers 500 JSON (not a Redis outage) when the key holds something that is not a number', async () => {
      await inspect.set('pageviews', 'lots');
      const res = await supertest(app).get('/api/pageviews');
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ error: 'internal error' });
      expect(await inspect.get('pageviews')).toBe('lots');
    });
  });

  describe('GET /api/hostname', () => {
    it('answers the hostname as plain text', async () => {
      const res = await supertest(app).get('/api/hostname');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
      expectCors(res.headers);
      expect(res.text).toBe('appserver-test-host');
    });

    it('v2 answers ApplicationVersion2 in /api/hostname and getstats', async () => {
      const v2 = createAppserverApp({ votes, pageviews, hostname: reportedHostname('v2', 'appserver-test-host'), logger: quietLogger() });
      expect((await supertest(v2).get('/api/hostname')).text).toBe('ApplicationVersion2');
      expect((await supertest(v2).get('/api/getstats')).body.hostname).toBe('ApplicationVersion2');
    });
  });

  describe('methods and paths', () => {
    it('OPTIONS on /api/* answers 204 with the CORS headers and changes nothing', async () => {
      for (const path of ['/api/ihop', '/api/getstats', '/api/anything']) {
        const res = await supertest(app).options(path);
        expect(res.status).toBe(204);
        expect(res.text).toBe('');
        expect(res.headers.allow).toBe('GET, OPTIONS');
        expectCors(res.headers);
      }
      expect(await readCounts(postgres!.url)).toMatchObject({ ihop: 0 });
      expect(await inspect.get('pageviews')).toBeNull();
    });

    it('answers 405 with Allow for other methods on the API routes, and changes nothing', async () => {
      const agent = supertest(app);
      for (const path of ['/api/ihop', '/api/getvotes', '/api/getstats', '/api/pageviews', '/api/hostname']) {
        for (const method of ['post', 'put', 'delete', 'patch'] as const) {
          const res = await agent[method](path);
          expect(res.status).toBe(405);
          expect(res.headers.allow).toBe('GET, OPTIONS');
          expect(res.body.error).toBe(`method ${method.toUpperCase()} is not allowed on ${path}: use GET`);
        }
        // HEAD would run the GET handler in Express; for a vote that would be a vote nobody saw.
        const head = await agent.head(path);
        expect(head.status).toBe(405);
      }
      expect(Object.values(await readCounts(postgres!.url))).toEqual([0, 0, 0, 0]);
      expect(await inspect.get('pageviews')).toBeNull();
    });

    it('an unknown restaurant is 404 whatever the method', async () => {
      const res = await supertest(app).post('/api/pizzahut');
      expect(res.status).toBe(404);
      expect(res.body.error).toMatch(/unknown restaurant "pizzahut"/);
    });

    it('answers 404 JSON for unknown paths', async () => {
      for (const path of ['/', '/votes', '/api', '/api/ihop/extra', '/getvotes']) {
        const res = await supertest(app).get(path);
        expect(res.status).toBe(404);
        expect(res.body).toEqual({ error: 'not found', path });
      }
      expect(Object.values(await readCounts(postgres!.url))).toEqual([0, 0, 0, 0]);
    });

    it('keeps /ping and /metrics from service-kit, counting requests from both paths under one route label', async () => {
      // A fresh app: its own metrics registry, so earlier tests' requests do not count.
      const counted = createAppserverApp({ votes, pageviews, hostname: 'h', logger: quietLogger() });
      expect((await supertest(counted).get('/ping')).status).toBe(200);
      await supertest(counted).get('/api/getvotes');
      await supertest(counted).get('/api/getvotes/');
      await supertest(counted).get('/api/ihop?from=ui');
      await supertest(counted).get('/api/chipotle/');
      const metrics = await supertest(counted).get('/metrics');
      expect(metrics.text).toContain('http_requests_total{method="GET",route="/api/getvotes",status="200",service="yelb-appserver"} 2');
      expect(metrics.text).toContain('http_requests_total{method="GET",route="/api/:restaurant",status="200",service="yelb-appserver"} 2');
    });
  });

  describe('the fast path and the Express routes answer alike', () => {
    // Exact paths take the fast path; a trailing slash goes through Express.
    it.each([
      ['/api/getvotes', '/api/getvotes/'],
      ['/api/hostname', '/api/hostname/'],
      ['/api/getstats', '/api/getstats/'],
      ['/api/pageviews', '/api/pageviews/'],
      ['/api/outback', '/api/outback/'],
    ])('%s and %s', async (fast, viaExpress) => {
      const a = await supertest(app).get(fast);
      const b = await supertest(app).get(viaExpress);
      const strip = (headers: Record<string, string>) => {
        const { date: _date, ...rest } = headers;
        return rest;
      };
      expect(b.status).toBe(a.status);
      expect(strip(b.headers)).toEqual(strip(a.headers));
      if (fast === '/api/getstats') {
        expect(b.body).toEqual({ ...a.body, pageviews: a.body.pageviews + 1 });
      } else if (fast === '/api/pageviews' || fast === '/api/outback') {
        expect(Number(b.text)).toBe(Number(a.text) + 1);
      } else {
        expect(b.text).toBe(a.text);
      }
    });
  });
});
