import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { dependencyRelay, postgresForTests, redisForTests } from '../src/testing.js';
import { redisAnswers } from '../src/probe.js';

const database = await postgresForTests('devstack');
const redis = await redisForTests();

afterAll(async () => {
  await database?.drop();
  await redis?.release();
});

describe.runIf(database)('postgresForTests', () => {
  it('hands out a fresh database of its own', async () => {
    const client = new pg.Client({ connectionString: database!.url });
    await client.connect();
    const { rows } = await client.query<{ current_database: string }>('SELECT current_database()');
    await client.end();
    expect(rows[0]!.current_database).toBe(database!.database);
  });
});

describe.runIf(redis)('redisForTests', () => {
  it('reserves a logical database between 1 and 15', () => {
    expect(redis!.db).toBeGreaterThanOrEqual(1);
    expect(redis!.db).toBeLessThanOrEqual(15);
    expect(redis!.url.endsWith(`/${redis!.db}`)).toBe(true);
  });

  it('never hands the same database to two holders at once', async () => {
    const second = await redisForTests();
    expect(second!.db).not.toBe(redis!.db);
    await second!.release();
  });
});

describe.runIf(redis)('dependencyRelay', () => {
  it('goes down and comes back on the same port', async () => {
    const relay = await dependencyRelay(redis!.url);
    const url = relay.through(redis!.url);
    expect(await redisAnswers(url)).toBe(true);
    await relay.down();
    expect(await redisAnswers(url, 300)).toBe(false);
    await relay.up();
    expect(await redisAnswers(url)).toBe(true);
    await relay.close();
  });
});
