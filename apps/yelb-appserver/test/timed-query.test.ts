import { postgresForTests } from '@amw/dev-stack/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createPool, timedQuery } from '../src/index.js';

const postgres = await postgresForTests('appserver_timed_query');

describe.skipIf(!postgres)('timedQuery', () => {
  const pool = postgres ? createPool(postgres.url, 2) : undefined;

  afterAll(async () => {
    await pool?.end();
    await postgres?.drop();
  });

  it('answers like pool.query and gives the connection back for the next query', async () => {
    const first = await timedQuery<{ n: number }>(pool!, { name: 'timed-one', text: 'SELECT $1::int AS n', values: [1] });
    expect(first.rows).toEqual([{ n: 1 }]);
    expect((await timedQuery<{ n: number }>(pool!, { text: 'SELECT 2 AS n' })).rows).toEqual([{ n: 2 }]);
    expect(pool!.idleCount).toBe(pool!.totalCount);
  });

  it('passes SQL errors on with their SQLSTATE, and the pool serves on', async () => {
    await expect(timedQuery(pool!, { text: 'SELECT * FROM no_such_table' })).rejects.toMatchObject({ code: '42P01' });
    expect((await timedQuery<{ n: number }>(pool!, { text: 'SELECT 3 AS n' })).rows).toEqual([{ n: 3 }]);
  });

  it('fails a query that outlives the timeout without a SQLSTATE, and replaces its connection', async () => {
    const single = createPool(postgres!.url, 1);
    const backend = async () => (await timedQuery<{ pid: number }>(single, { text: 'SELECT pg_backend_pid() AS pid' })).rows[0]!.pid;
    try {
      const hung = await backend();
      const error = await timedQuery(single, { text: 'SELECT pg_sleep(30)' }, 100).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(error).toMatchObject({ message: 'Query read timeout' });
      expect((error as { code?: unknown }).code).toBeUndefined();
      // The one slot is free again, on a new connection rather than the one still busy sleeping.
      expect(await backend()).not.toBe(hung);
    } finally {
      await single.end();
    }
  });
});
