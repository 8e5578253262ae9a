import { Agent, request } from 'node:http';
import { postgresForTests, redisForTests } from '@amw/dev-stack/testing';
import type { RunningService } from '@amw/service-kit';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startAppserver } from '../src/index.js';
import { call, quietLogger, readCounts, withClient } from './support.js';

const postgres = await postgresForTests('appserver_lifecycle');
const redis = await redisForTests();

/** Connections the appserver holds to its own database (the checking connection excluded). */
async function appserverConnections(databaseUrl: string): Promise<number> {
  return withClient(databaseUrl, async (c) => {
    const { rows } = await c.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    return rows[0]!.n;
  });
}

async function redisClientsOn(db: number): Promise<number> {
  const admin = new Redis(redis!.url.replace(/\/\d+$/, '/0'));
  try {
    const list = (await admin.client('LIST')) as string;
    return list.split('\n').filter((line) => new RegExp(`\\bdb=${db}\\b`).test(line)).length;
  } finally {
    admin.disconnect();
  }
}

describe.skipIf(!postgres || !redis)('a started appserver', () => {
  let service: RunningService | undefined;
  afterEach(async () => {
    await service?.shutdown();
    service = undefined;
  });
  afterAll(async () => {
    await postgres?.drop();
    await redis?.release();
  });

  const start = (extra: { appVersion?: 'v1' | 'v2'; hostname?: string } = {}) =>
    startAppserver({ port: 0, host: '127.0.0.1', databaseUrl: postgres!.url, redisUrl: redis!.url, logger: quietLogger(), ...extra });

  it('loses no vote among 500 concurrent ones', async () => {
    service = await start();
    const before = (await readCounts(postgres!.url)).bucadibeppo!;
    const agent = new Agent({ keepAlive: true, maxSockets: 50 });
    const vote = () =>
      new Promise<number>((resolve, reject) => {
        request(`${service!.url}/api/bucadibeppo`, { agent }, (res) => {
          res.resume().on('end', () => resolve(res.statusCode ?? 0));
        })
          .on('error', reject)
          .end();
      });
    const statuses = await Promise.all(Array.from({ length: 500 }, vote));
    agent.destroy();
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect((await readCounts(postgres!.url)).bucadibeppo).toBe(before + 500);
  });

  it('reports the given hostname in v1 and ApplicationVersion2 in v2', async () => {
    service = await start({ hostname: 'yelb-appserver-6d5f' });
    expect((await call(`${service.url}/api/hostname`)).body).toBe('yelb-appserver-6d5f');
    await service.shutdown();
    service = await start({ appVersion: 'v2', hostname: 'yelb-appserver-6d5f' });
    expect((await call(`${service.url}/api/hostname`)).body).toBe('ApplicationVersion2');
    expect(JSON.parse((await call(`${service.url}/api/getstats`)).body).hostname).toBe('ApplicationVersion2');
  });

  it('shuts down after the in-flight vote, then closes its Postgres pool and Redis client', async () => {
    service = await start();
    expect((await call(`${service.url}/api/getstats`)).status).toBe(200);
    expect(await redisClientsOn(redis!.db)).toBeGreaterThan(0);

    // Hold the row lock so the vote is provably still in flight when shutdown starts.
    const outcome = await withClient(postgres!.url, async (holder) => {
      await holder.query('BEGIN');
      await holder.query("SELECT * FROM restaurants WHERE name = 'outback' FOR UPDATE");
      const vote = call(`${service!.url}/api/outback`);
      await waitForLockWaiter(postgres!.url);
      let stopped = false;
      const stopping = service!.shutdown('test').then(() => (stopped = true));
      // Give a wrong implementation the chance to finish shutting down under the vote's feet.
      await new Promise((r) => setTimeout(r, 100));
      const stoppedWhileVoteInFlight = stopped;
      await holder.query('COMMIT');
      return { vote: await vote, stopping, stoppedWhileVoteInFlight };
    });
    await outcome.stopping;
    expect(outcome.stoppedWhileVoteInFlight).toBe(false);
    expect(outcome.vote.status).toBe(200);
    expect(await appserverConnections(postgres!.url)).toBe(0);
    expect(await redisClientsOn(redis!.db)).toBe(0);
    await expect(call(`${service.url}/ping`)).rejects.toThrow(/ECONNREFUSED/);
  });
});

async function waitForLockWaiter(databaseUrl: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const waiting = await withClient(databaseUrl, (c) =>
      c.query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"),
    );
    if (waiting.rowCount) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the vote never waited for the row lock');
}
