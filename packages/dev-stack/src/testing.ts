/**
 * Real Postgres and Redis for tests. Each test file gets a database of its own and a Redis
 * logical database reserved for it, so files run in parallel without seeing each other's data.
 *
 * Lookup order: DATABASE_URL / REDIS_URL, the local default ports, Testcontainers when a Docker
 * engine answers. With CI=true and nothing found the suite fails: a CI run that silently skipped
 * its database tests would prove nothing.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { findPostgres, findRedis, NoBackingServiceError, type BackingService } from './backing.js';

export interface TestPostgres {
  /** URL of a fresh, empty database created for this test file. */
  readonly url: string;
  readonly database: string;
  /** Drops the database (and stops a container the lookup started). */
  drop(): Promise<void>;
}

export interface TestRedis {
  /** URL of a Redis logical database reserved for this test file, flushed on start. */
  readonly url: string;
  readonly db: number;
  release(): Promise<void>;
}

function inCi(env: NodeJS.ProcessEnv): boolean {
  return env.CI === 'true' || env.CI === '1';
}

/**
 * Resolves the service or, outside CI only, returns undefined after saying why, so a developer
 * without a database sees skipped tests and the reason instead of a wall of failures.
 */
async function lookup(find: () => Promise<BackingService>, env: NodeJS.ProcessEnv): Promise<BackingService | undefined> {
  try {
    return await find();
  } catch (error) {
    if (error instanceof NoBackingServiceError && !inCi(env)) {
      process.stderr.write(`skipping tests that need it: ${error.message}\n`);
      return undefined;
    }
    throw error;
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export async function postgresForTests(label: string, env: NodeJS.ProcessEnv = process.env): Promise<TestPostgres | undefined> {
  const server = await lookup(() => findPostgres({ env, containers: true }), env);
  if (!server) return undefined;
  const database = `amw_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  await admin.end();
  return {
    url: withDatabase(server.url, database),
    database,
    async drop() {
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      await client.end();
      await server.stop();
    },
  };
}

/**
 * Runs commands on one connection and returns their replies (simple, integer, bulk or nil):
 * tests should not need a Redis client library just to reserve a database.
 */
function redisCommands(url: string, commands: string[][]): Promise<(string | null)[]> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port || 6379) });
    const frame = commands
      .map((args) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`)
      .join('');
    let buffered = '';
    socket.once('connect', () => socket.write(frame));
    socket.on('data', (data) => {
      buffered += data.toString('utf8');
      const replies: (string | null)[] = [];
      let rest = buffered;
      while (replies.length < commands.length) {
        const end = rest.indexOf('\r\n');
        if (end < 0) return;
        const line = rest.slice(0, end);
        if (line[0] === '-') {
          socket.destroy();
          reject(new Error(`redis: ${line.slice(1)}`));
          return;
        }
        if (line[0] === '$') {
          const length = Number(line.slice(1));
          if (length < 0) {
            replies.push(null);
            rest = rest.slice(end + 2);
            continue;
          }
          if (rest.length < end + 2 + length + 2) return;
          replies.push(rest.slice(end + 2, end + 2 + length));
          rest = rest.slice(end + 2 + length + 2);
          continue;
        }
        replies.push(line.slice(1));
        rest = rest.slice(end + 2);
      }
      socket.destroy();
      resolve(replies);
    });
    socket.once('error', reject);
  });
}

const REDIS_TEST_DBS = 15; // logical databases 1..15; 0 stays for reservations and dev

export async function redisForTests(env: NodeJS.ProcessEnv = process.env): Promise<TestRedis | undefined> {
  const server = await lookup(() => findRedis({ env, containers: true }), env);
  if (!server) return undefined;
  const owner = `${process.pid}-${randomBytes(4).toString('hex')}`;
  for (let attempt = 0; attempt < 600; attempt++) {
    for (let db = 1; db <= REDIS_TEST_DBS; db++) {
      const key = `amw:test-db:${db}`;
      // The expiry frees a slot whose test process died without releasing it.
      const [reserved] = await redisCommands(server.url, [['SET', key, owner, 'NX', 'EX', '900']]);
      if (reserved === 'OK') {
        const url = new URL(server.url);
        url.pathname = `/${db}`;
        const flush = () => redisCommands(server.url, [['SELECT', String(db)], ['FLUSHDB']]);
        await flush();
        return {
          url: url.toString(),
          db,
          async release() {
            await flush();
            const [holder] = await redisCommands(server.url, [['GET', key]]);
            if (holder === owner) await redisCommands(server.url, [['DEL', key]]);
            await server.stop();
          },
        };
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`all ${REDIS_TEST_DBS} Redis test databases stayed reserved for a minute`);
}

/**
 * A TCP relay in front of a real server that a test can take down and bring back on the same
 * port: the client under test sees exactly what it would see if the server went away.
 */
export interface DependencyRelay {
  readonly port: number;
  /** Replaces `host:port` in a URL with the relay's address. */
  through(url: string): string;
  /** Refuses new connections and cuts existing ones, like a crashed server. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function dependencyRelay(targetUrl: string): Promise<DependencyRelay> {
  const target = new URL(targetUrl);
  const targetPort = Number(target.port || (target.protocol.startsWith('redis') ? 6379 : 5432));
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = connect({ host: target.hostname, port: targetPort });
        sockets.add(client).add(upstream);
        const cut = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', cut).on('close', cut);
        upstream.on('error', cut).on('close', cut);
        client.pipe(upstream).pipe(client);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as { port: number }).port;
        resolve();
      });
    });

  const down = async () => {
    const closing = server ? new Promise<void>((resolve) => server!.close(() => resolve())) : Promise.resolve();
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    await closing;
    server = undefined;
  };

  await listen();
  return {
    get port() {
      return port;
    },
    through(url) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString();
    },
    down,
    up: async () => {
      if (!server) await listen();
    },
    close: down,
  };
}

export interface TestChromium {
  executablePath: string;
  /** What a headless Chromium needs on these machines (as root, with no network beyond loopback). */
  args: string[];
}

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/**
 * Debian's Chromium for browser tests (`CHROMIUM_PATH` overrides /usr/bin/chromium). Under CI a
 * missing browser fails the suite; elsewhere the tests skip and say how to install it.
 */
export function chromiumForTests(env: NodeJS.ProcessEnv = process.env): TestChromium | undefined {
  const executablePath = env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (existsSync(executablePath)) return { executablePath, args: CHROMIUM_ARGS };
  const message = `Chromium not found at ${executablePath}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`;
  if (inCi(env)) throw new Error(message);
  process.stderr.write(`skipping browser tests: ${message}\n`);
  return undefined;
}
