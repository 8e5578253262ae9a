import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedRedis } from '../src/embedded/redis.js';
import { startRedisStandIn, type RedisStandIn } from '../src/redis/server.js';
import { dependencyRelay } from '../src/testing.js';

let server: RedisStandIn;
const clients: Redis[] = [];

function client(db = 0): Redis {
  const redis = new Redis(`${server.url}/${db}`, { lazyConnect: false, maxRetriesPerRequest: 2 });
  clients.push(redis);
  return redis;
}

/** Sends raw bytes and collects the reply until the server has said `expectedBytes` or closed. */
function raw(payload: string, until: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: server.host, port: server.port });
    let text = '';
    socket.on('data', (d) => {
      text += d.toString('latin1');
      if (until(text)) {
        socket.destroy();
        resolve(text);
      }
    });
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
    socket.write(payload);
  });
}

beforeAll(async () => {
  server = await startRedisStandIn();
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
  await server.close();
});

describe('the Redis stand-in, through ioredis', () => {
  it('gets ready (INFO ready check, CLIENT SETNAME/SETINFO) and answers PING and ECHO', async () => {
    const redis = new Redis(server.url, { connectionName: 'dev-stack-test' });
    clients.push(redis);
    expect(await redis.ping()).toBe('PONG');
    expect(await redis.ping('hello')).toBe('hello');
    expect(await redis.echo('ünïcode ✓')).toBe('ünïcode ✓');
    expect(await redis.client('GETNAME')).toBe('dev-stack-test');
    expect(redis.status).toBe('ready');
    expect(await redis.info('persistence')).toMatch(/loading:0/);
  });

  it('stores strings, binary values included', async () => {
    const redis = client();
    expect(await redis.set('greeting', 'hi')).toBe('OK');
    expect(await redis.get('greeting')).toBe('hi');
    const bytes = Buffer.from([0, 255, 13, 10, 42]);
    await redis.set(Buffer.from([1, 2, 0]), bytes);
    expect(await redis.getBuffer(Buffer.from([1, 2, 0]))).toEqual(bytes);
    expect(await redis.get('missing')).toBeNull();
  });

  it('honours SET NX, XX, EX and PX', async () => {
    const redis = client();
    expect(await redis.set('lock', 'a', 'EX', 60, 'NX')).toBe('OK');
    expect(await redis.set('lock', 'b', 'EX', 60, 'NX')).toBeNull();
    expect(await redis.get('lock')).toBe('a');
    expect(await redis.set('absent', 'x', 'XX')).toBeNull();
    expect(await redis.exists('absent')).toBe(0);
    const ttl = await redis.ttl('lock');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
    await redis.set('brief', 'x', 'PX', 1);
    await new Promise((r) => setTimeout(r, 30));
    expect(await redis.get('brief')).toBeNull();
    await expect(redis.set('bad', 'x', 'EX', 0)).rejects.toThrow("ERR invalid expire time in 'set' command");
    await expect(redis.call('SET', 'bad', 'x', 'EX', 'soon')).rejects.toThrow('ERR value is not an integer or out of range');
    await expect(redis.call('SET', 'bad', 'x', 'NX', 'XX')).rejects.toThrow('ERR syntax error');
    expect(await redis.exists('bad')).toBe(0);
  });

  it('counts with INCR, INCRBY and DECR and refuses what is not an integer', async () => {
    const redis = client();
    expect(await redis.incr('pageviews')).toBe(1);
    expect(await redis.incr('pageviews')).toBe(2);
    expect(await redis.incrby('pageviews', 40)).toBe(42);
    expect(await redis.decr('pageviews')).toBe(41);
    expect(await redis.get('pageviews')).toBe('41');
    await redis.set('word', 'seven');
    await expect(redis.incr('word')).rejects.toThrow('ERR value is not an integer or out of range');
    expect(await redis.get('word')).toBe('seven');
    await redis.set('max', '9223372036854775807');
    await expect(redis.incr('max')).rejects.toThrow('ERR increment or decrement would overflow');
  });

  it('keeps a TTL across INCR, and EXPIRE/TTL report like Redis', async () => {
    const redis = client();
    expect(await redis.ttl('nothing')).toBe(-2);
    await redis.set('n', '1');
    expect(await redis.ttl('n')).toBe(-1);
    expect(await redis.expire('n', 100)).toBe(1);
    await redis.incr('n');
    expect(await redis.ttl('n')).toBeGreaterThan(90);
    expect(await redis.expire('nothing', 100)).toBe(0);
    expect(await redis.expire('n', 0)).toBe(1);
    expect(await redis.exists('n')).toBe(0);
  });

  it('deletes, counts existence, lists keys by glob and sizes the database', async () => {
    const redis = client(7);
    await redis.flushdb();
    for (const key of ['user:1', 'user:2', 'user:10', 'order:1', 'h?llo', 'hello', 'hallo']) await redis.set(key, 'v');
    expect((await redis.keys('user:*')).sort()).toEqual(['user:1', 'user:10', 'user:2']);
    expect((await redis.keys('user:?')).sort()).toEqual(['user:1', 'user:2']);
    expect((await redis.keys('h[ae]llo')).sort()).toEqual(['hallo', 'hello']);
    expect((await redis.keys('h[^e]llo')).sort()).toEqual(['h?llo', 'hallo']);
    expect(await redis.keys('h\\?llo')).toEqual(['h?llo']);
    expect(await redis.dbsize()).toBe(7);
    expect(await redis.exists('user:1', 'user:1', 'nope')).toBe(2);
    expect(await redis.del('user:1', 'user:2', 'nope')).toBe(2);
    expect(await redis.dbsize()).toBe(5);
  });

  it('keeps logical databases apart; FLUSHDB clears one, FLUSHALL all', async () => {
    const one = client(1);
    const two = client(2);
    await one.set('shared-name', 'in db 1');
    await two.set('shared-name', 'in db 2');
    expect(await one.get('shared-name')).toBe('in db 1');
    expect(await two.get('shared-name')).toBe('in db 2');
    await one.flushdb();
    expect(await one.exists('shared-name')).toBe(0);
    expect(await two.get('shared-name')).toBe('in db 2');
    await expect(one.select(16)).rejects.toThrow('ERR DB index is out of range');
    await one.flushall();
    expect(await two.exists('shared-name')).toBe(0);
  });

  it('refuses unknown commands by name and wrong arities, and stays usable', async () => {
    const redis = client();
    await expect(redis.call('HSET', 'h', 'f', 'v')).rejects.toThrow("ERR unknown command 'HSET'");
    await expect(redis.call('GET')).rejects.toThrow("ERR wrong number of arguments for 'get' command");
    expect(await redis.ping()).toBe('PONG');
  });

  it('answers a pipeline in order, with errors in place', async () => {
    const redis = client(3);
    const pipeline = redis.pipeline();
    for (let i = 0; i < 200; i++) pipeline.incr('pipelined');
    pipeline.set('p', 'x').incr('p').get('p');
    const results = (await pipeline.exec())!;
    expect(results.slice(0, 200).map(([error, value]) => (error ? 'error' : value))).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(results[200]).toEqual([null, 'OK']);
    expect(results[201]![0]).toBeInstanceOf(Error);
    expect(results[202]).toEqual([null, 'x']);
  });

  it('is reconnected to by ioredis after the connection drops, in the same database', async () => {
    const relay = await dependencyRelay(server.url);
    try {
      const redis = new Redis(`${relay.through(server.url)}/5`, { retryStrategy: () => 50, maxRetriesPerRequest: 20 });
      clients.push(redis);
      await redis.set('before', 'drop');
      const reconnected = new Promise<void>((resolve) => redis.once('reconnecting', () => redis.once('ready', () => resolve())));
      await relay.down();
      await relay.up();
      await reconnected;
      expect(await redis.get('before')).toBe('drop');
      const direct = client(5);
      expect(await direct.get('before')).toBe('drop');
      const db0 = client(0);
      expect(await db0.get('before')).toBeNull();
    } finally {
      await relay.close();
    }
  });
});

describe('the Redis stand-in on the wire', () => {
  it('reads inline commands, as typed into nc', async () => {
    const reply = await raw('PING\r\nECHO hi\r\n', (t) => t.includes('hi\r\n'));
    expect(reply).toBe('+PONG\r\n$2\r\nhi\r\n');
  });

  it('answers QUIT with OK and closes the connection', async () => {
    const reply = await raw('*1\r\n$4\r\nQUIT\r\n*1\r\n$4\r\nPING\r\n', () => false);
    expect(reply).toBe('+OK\r\n');
  });

  it('answers a malformed request with a protocol error and closes', async () => {
    const reply = await raw('*1\r\n!oops\r\n', () => false);
    expect(reply).toMatch(/^-ERR Protocol error: /);
  });

  it('reassembles a command split across packets', async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: server.host, port: server.port });
      let text = '';
      socket.on('data', (d) => {
        text += d.toString();
        if (text.endsWith('\r\n')) {
          socket.destroy();
          resolve(text);
        }
      });
      socket.on('error', reject);
      socket.write('*2\r\n$4\r\nEC');
      setTimeout(() => socket.write('HO\r\n$5\r\nsp'), 20);
      setTimeout(() => socket.write('lit\r\n'), 40);
    });
    expect(reply).toBe('$5\r\nsplit\r\n');
  });
});

describe('embeddedRedis', () => {
  it('is a BackingService of source embedded and says it is a fallback in one line', async () => {
    const lines: string[] = [];
    const backing = await embeddedRedis({ log: (line) => lines.push(line) });
    try {
      expect(backing.source).toBe('embedded');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/stand-in at redis:\/\/127\.0\.0\.1:\d+ .*fallback.*set REDIS_URL/);
      const redis = new Redis(backing.url);
      clients.push(redis);
      expect(await redis.incr('pageviews')).toBe(1);
    } finally {
      await backing.stop();
    }
  });
});
