import { postgresForTests, redisForTests } from '@amw/dev-stack/testing';
import type { RunningService } from '@amw/service-kit';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureSchema, startAppserver } from '../src/index.js';
import { call, dropDatabase, freshDatabaseUrl, quietLogger, readCounts, withClient } from './support.js';

const postgres = await postgresForTests('appserver_schema');
const redis = await redisForTests();

const ZERO = { bucadibeppo: 0, chipotle: 0, ihop: 0, outback: 0 };

describe.skipIf(!postgres || !redis)('schema creation', () => {
  const created: string[] = [];
  const fresh = (suffix: string) => {
    const url = freshDatabaseUrl(postgres!.url, suffix);
    created.push(url);
    return url;
  };

  afterAll(async () => {
    for (const url of created) await dropDatabase(url);
    await postgres?.drop();
    await redis?.release();
  });

  it('creates a missing database, the table and the four rows at 0', async () => {
    const url = fresh('created');
    await expect(withClient(url, async () => {})).rejects.toMatchObject({ code: '3D000' });
    await ensureSchema(url);
    expect(await readCounts(url)).toEqual(ZERO);
    const columns = await withClient(url, (c) =>
      c.query<{ column_name: string; data_type: string; character_maximum_length: number | null }>(
        "SELECT column_name, data_type, character_maximum_length FROM information_schema.columns WHERE table_name = 'restaurants' ORDER BY ordinal_position",
      ),
    );
    expect(columns.rows).toEqual([
      { column_name: 'name', data_type: 'character', character_maximum_length: 30 },
      { column_name: 'count', data_type: 'integer', character_maximum_length: null },
    ]);
  });

  it('running again keeps existing counts and restores a missing row at 0', async () => {
    const url = postgres!.url;
    await ensureSchema(url);
    await withClient(url, async (c) => {
      await c.query("UPDATE restaurants SET count = 7 WHERE name = 'outback'");
      await c.query("DELETE FROM restaurants WHERE name = 'chipotle'");
    });
    await ensureSchema(url);
    expect(await readCounts(url)).toEqual({ ...ZERO, outback: 7 });
  });

  it('is safe when many instances create the same missing database at once', async () => {
    const url = fresh('concurrent');
    await Promise.all(Array.from({ length: 6 }, () => ensureSchema(url)));
    expect(await readCounts(url)).toEqual(ZERO);
  });

  it('appservers started together on a missing database all serve, and a restart keeps the votes', async () => {
    const url = fresh('restart');
    const start = () => startAppserver({ port: 0, host: '127.0.0.1', databaseUrl: url, redisUrl: redis!.url, logger: quietLogger() });
    const first: RunningService[] = await Promise.all([start(), start(), start()]);
    try {
      for (const service of first) expect((await call(`${service.url}/api/ihop`)).status).toBe(200);
    } finally {
      await Promise.all(first.map((s) => s.shutdown()));
    }
    expect(await readCounts(url)).toEqual({ ...ZERO, ihop: 3 });

    const again = await start();
    try {
      expect((await call(`${again.url}/api/ihop`)).body).toBe('4');
    } finally {
      await again.shutdown();
    }
    expect(await readCounts(url)).toEqual({ ...ZERO, ihop: 4 });
  });
});
