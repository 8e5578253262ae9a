import { createSocket } from 'node:dgram';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresForTests, redisForTests } from '@amw/dev-stack/testing';
import type { RunningService } from '@amw/service-kit';
import { readAppserverConfig } from '../src/config.js';
import { startAppserver } from '../src/start.js';
import { quietLogger } from './support.js';

const database = await postgresForTests('appserver_tracing');
const redis = await redisForTests();

describe('X-Ray configuration', () => {
  it('reads the daemon address and names the database after its host unless told otherwise', () => {
    const config = readAppserverConfig({ RACK_ENV: 'production', AWS_XRAY_DAEMON_ADDRESS: 'xray-daemon:2000' });
    expect(config.xrayDaemonAddress).toBe('xray-daemon:2000');
    expect(config.traceDatabaseName).toBe('yelb-db');
    expect(readAppserverConfig({ DATABASE_URL: 'postgres://127.0.0.1:5999/x', TRACE_DATABASE_NAME: 'yelb-db' }).traceDatabaseName).toBe('yelb-db');
    expect(readAppserverConfig({}).xrayDaemonAddress).toBeUndefined();
    expect(() => readAppserverConfig({ AWS_XRAY_DAEMON_ADDRESS: 'a:b:c' })).toThrow(/AWS_XRAY_DAEMON_ADDRESS/);
  });
});

describe.runIf(database && redis)('X-Ray spans for queries', () => {
  const received: Record<string, unknown>[] = [];
  const daemon = createSocket('udp4');
  let appserver: RunningService;

  beforeAll(async () => {
    daemon.on('message', (message) => received.push(JSON.parse(message.toString().split('\n')[1]!) as Record<string, unknown>));
    await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
    appserver = await startAppserver({
      port: 0,
      host: '127.0.0.1',
      databaseUrl: database!.url,
      redisUrl: redis!.url,
      logger: quietLogger(),
      tracing: { daemonAddress: `127.0.0.1:${daemon.address().port}`, databaseName: 'yelb-db' },
    });
  });
  afterAll(async () => {
    await appserver?.shutdown();
    daemon.close();
    await database?.drop();
    await redis?.release();
  });

  const vote = (headers: Record<string, string>) =>
    new Promise<number>((resolve, reject) => {
      request(`${appserver.url}/api/ihop`, { headers, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
        .on('error', reject)
        .end();
    });

  it('a vote inside a trace adds a yelb-db span under the caller’s segment', async () => {
    expect(await vote({ 'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1' })).toBe(200);
    await expect.poll(() => received.length).toBeGreaterThan(0);
    expect(received.at(-1)).toMatchObject({
      type: 'subsegment',
      name: 'yelb-db',
      trace_id: '1-5759e988-bd862e3fe1be46a994272793',
      parent_id: '53995c3f42cd8ad8',
      namespace: 'remote',
      sql: { database_type: 'PostgreSQL', sanitized_query: 'UPDATE restaurants SET count = count + 1 WHERE name = $1 RETURNING count' },
    });
  });

  it('a vote outside a trace sends nothing', async () => {
    const before = received.length;
    expect(await vote({})).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    expect(received.length).toBe(before);
  });
});
