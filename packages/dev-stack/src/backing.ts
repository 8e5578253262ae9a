/**
 * Where Postgres and Redis come from: the URL the user set, else a server already answering on
 * the default local port, else (tests) a Testcontainers container when a Docker engine answers,
 * else (pnpm dev) an embedded fallback. The order goes from what the developer chose to what we
 * improvise: an explicit URL always wins, a server they already run beats starting another, real
 * servers in containers keep tests honest, and the embedded fallback exists only so that a fresh
 * machine with nothing but Node can still run `pnpm dev`.
 */
import { redactUrl } from '@amw/service-kit/core';
import { dockerAnswers, postgresAnswers, redisAnswers } from './probe.js';

export type BackingSource = 'env' | 'local' | 'testcontainers' | 'embedded';

export interface BackingService {
  /** Connection URL for the server (Postgres: its maintenance database `postgres`). */
  readonly url: string;
  readonly source: BackingSource;
  /** A phrase for humans after "Postgres: " or "Redis: ": where it is and why it was chosen. */
  readonly description: string;
  /**
   * True when every database name reaches the same single database (the embedded PGlite):
   * `CREATE DATABASE` only adds a catalogue row there, and a URL naming any database connects to
   * the one database. Callers that create a database per test or per app get no isolation.
   */
  readonly singleDatabase?: boolean;
  /** Stops what the lookup started; a no-op for servers it found. */
  stop(): Promise<void>;
}

export interface LookupOptions {
  env?: NodeJS.ProcessEnv;
  /** Try Testcontainers when a Docker engine answers (tests). */
  containers?: boolean;
  /** Start an in-process fallback when nothing else answers (pnpm dev). */
  embedded?: () => Promise<BackingService>;
}

export const LOCAL_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const LOCAL_REDIS_URL = 'redis://127.0.0.1:6379';

export class NoBackingServiceError extends Error {
  constructor(what: 'Postgres' | 'Redis', variable: string, localUrl: string) {
    super(
      `no ${what} found: ${variable} is not set, nothing answers at ${localUrl} and no Docker engine answers. ` +
        `Start ${what} locally or set ${variable}.`,
    );
    this.name = 'NoBackingServiceError';
  }
}

/** The URL of another database on the same server (Postgres URLs name the database in the path). */
export function databaseUrl(serverUrl: string, database: string): string {
  const parsed = new URL(serverUrl);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

const found = (url: string, source: BackingSource, description: string): BackingService => ({
  url,
  source,
  description,
  stop: async () => {},
});

export async function findPostgres(options: LookupOptions = {}): Promise<BackingService> {
  const env = options.env ?? process.env;
  if (env.DATABASE_URL) {
    const answer = await postgresAnswers(env.DATABASE_URL);
    if (answer !== true) {
      throw new Error(`DATABASE_URL=${redactUrl(env.DATABASE_URL)} does not answer (${answer.message}); fix it or unset it.`);
    }
    return found(env.DATABASE_URL, 'env', `server from DATABASE_URL (${redactUrl(env.DATABASE_URL)})`);
  }
  if ((await postgresAnswers(LOCAL_POSTGRES_URL, 1000)) === true) {
    return found(LOCAL_POSTGRES_URL, 'local', 'local server at 127.0.0.1:5432');
  }
  if (options.containers && (await dockerAnswers(env))) {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:16-alpine').start();
    const url = container.getConnectionUri().replace(/\/[^/?]*(\?|$)/, '/postgres$1');
    return { url, source: 'testcontainers', description: `Testcontainers container (${redactUrl(url)})`, stop: async () => void (await container.stop()) };
  }
  if (options.embedded) return options.embedded();
  throw new NoBackingServiceError('Postgres', 'DATABASE_URL', '127.0.0.1:5432');
}

export async function findRedis(options: LookupOptions = {}): Promise<BackingService> {
  const env = options.env ?? process.env;
  if (env.REDIS_URL) {
    if (!(await redisAnswers(env.REDIS_URL))) {
      throw new Error(`REDIS_URL=${redactUrl(env.REDIS_URL)} does not answer; fix it or unset it.`);
    }
    return found(env.REDIS_URL, 'env', `server from REDIS_URL (${redactUrl(env.REDIS_URL)})`);
  }
  if (await redisAnswers(LOCAL_REDIS_URL)) {
    return found(LOCAL_REDIS_URL, 'local', 'local server at 127.0.0.1:6379');
  }
  if (options.containers && (await dockerAnswers(env))) {
    const { RedisContainer } = await import('@testcontainers/redis');
    const container = await new RedisContainer('redis:7-alpine').start();
    const url = container.getConnectionUrl();
    return { url, source: 'testcontainers', description: `Testcontainers container (${url})`, stop: async () => void (await container.stop()) };
  }
  if (options.embedded) return options.embedded();
  throw new NoBackingServiceError('Redis', 'REDIS_URL', '127.0.0.1:6379');
}
