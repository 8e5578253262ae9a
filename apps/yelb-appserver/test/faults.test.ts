import { dependencyRelay, postgresForTests, redisForTests, type DependencyRelay } from '@amw/dev-stack/testing';
import type { RunningService } from '@amw/service-kit';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startAppserver } from '../src/index.js';
import { call, dropDatabase, eventually, freshDatabaseUrl, readCounts, recordingLogger } from './support.js';

const postgres = await postgresForTests('appserver_faults');
const redis = await redisForTests();

async function until(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const body = (answer: { body: string }) => JSON.parse(answer.body) as unknown;

describe.skipIf(!postgres || !redis)('dependency faults', () => {
  let service: RunningService | undefined;
  let relay: DependencyRelay | undefined;
  const extraDatabases: string[] = [];

  afterEach(async () => {
    await service?.shutdown();
    await relay?.close();
    service = undefined;
    relay = undefined;
  });
  afterAll(async () => {
    for (const url of extraDatabases) await dropDatabase(url);
    await postgres?.drop();
    await redis?.release();
  });

  it('Postgres down: 503 naming postgres, page views still served, then back by itself', async () => {
    relay = await dependencyRelay(postgres!.url);
    const log = recordingLogger();
    service = await startAppserver({ port: 0, host: '127.0.0.1', databaseUrl: relay.through(postgres!.url), redisUrl: redis!.url, logger: log.logger });
    expect((await call(`${service.url}/api/ihop`)).body).toBe('1');

    await relay.down();
    for (const path of ['/api/getvotes', '/api/ihop', '/api/getvotes']) {
      const answer = await call(`${service.url}${path}`);
      expect(answer.status).toBe(503);
      expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(body(answer)).toEqual({ error: expect.stringContaining('postgres is unavailable'), dependency: 'postgres' });
    }
    expect((await call(`${service.url}/api/getstats`)).status).toBe(200);
    expect(await readCounts(postgres!.url)).toMatchObject({ ihop: 1 });

    await relay.up();
    const back = await eventually(`${service.url}/api/getvotes`, 200);
    expect(body(back)).toContainEqual({ name: 'ihop', value: 1 });
    expect((await call(`${service.url}/api/ihop`)).body).toBe('2');
    expect(log.count('postgres is unavailable; requests that need it answer 503 until it is back')).toBe(1);
    expect(log.count('postgres is available again')).toBe(1);
  });

  it('Redis down: getstats and pageviews 503 naming redis, votes keep working, then back by itself', async () => {
    relay = await dependencyRelay(redis!.url);
    const log = recordingLogger();
    service = await startAppserver({ port: 0, host: '127.0.0.1', databaseUrl: postgres!.url, redisUrl: relay.through(redis!.url), logger: log.logger });
    const before = JSON.parse((await call(`${service.url}/api/getstats`)).body) as { pageviews: number };

    await relay.down();
    for (const path of ['/api/getstats', '/api/pageviews', '/api/getstats']) {
      const answer = await call(`${service.url}${path}`);
      expect(answer.status).toBe(503);
      expect(body(answer)).toEqual({ error: expect.stringContaining('redis is unavailable'), dependency: 'redis' });
    }
    const voted = await call(`${service.url}/api/chipotle`);
    expect(voted.status).toBe(200);
    expect(body(await call(`${service.url}/api/getvotes`))).toContainEqual({ name: 'chipotle', value: Number(voted.body) });

    await relay.up();
    const back = await eventually(`${service.url}/api/getstats`, 200);
    // The failed calls did not count: the next page view follows the last one that succeeded.
    expect(body(back)).toMatchObject({ pageviews: before.pageviews + 1 });
    expect(log.count('redis is unavailable; requests that need it answer 503 until it is back')).toBe(1);
    expect(log.count('redis is available again')).toBe(1);
  });

  it('Postgres down at start-up: the server starts, answers 503, then creates the schema and serves', async () => {
    relay = await dependencyRelay(postgres!.url);
    await relay.down();
    const url = freshDatabaseUrl(postgres!.url, 'late');
    extraDatabases.push(url);
    service = await startAppserver({ port: 0, host: '127.0.0.1', databaseUrl: relay.through(url), redisUrl: redis!.url, logger: recordingLogger().logger });
    const early = await call(`${service.url}/api/getvotes`);
    expect(early.status).toBe(503);
    expect(body(early)).toMatchObject({ dependency: 'postgres' });
    expect((await call(`${service.url}/api/hostname`)).status).toBe(200);

    await relay.up();
    // No request is made until the schema exists: the background retry must create it alone.
    await until(async () => (await readCounts(url).catch((): Record<string, number> => ({}))).chipotle === 0);
    const ready = await call(`${service.url}/api/getvotes`);
    expect(ready.status).toBe(200);
    expect(body(ready)).toEqual([
      { name: 'outback', value: 0 },
      { name: 'bucadibeppo', value: 0 },
      { name: 'ihop', value: 0 },
      { name: 'chipotle', value: 0 },
    ]);
    expect((await call(`${service.url}/api/outback`)).body).toBe('1');
    expect(await readCounts(url)).toMatchObject({ outback: 1, ihop: 0 });
  });
});
