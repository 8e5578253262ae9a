/**
 * Votes in Postgres. A vote is one atomic `UPDATE … RETURNING`, so concurrent votes are never
 * lost (the original ran an UPDATE and then a separate SELECT, each on a new connection).
 * Statements are named so each pooled connection parses them once.
 */
import pg from 'pg';
import { redactUrl, type Logger, type Tracing } from '@amw/service-kit';
import { DependencyState, DependencyUnavailableError } from './dependency.js';
import { RESTAURANTS, type Restaurant, type Vote } from './restaurants.js';
import { SchemaGate } from './schema-gate.js';
import { ensureSchema } from './schema.js';

export interface VotesStore {
  getVotes(): Promise<Vote[]>;
  /** Adds one vote and returns the restaurant's new count. */
  vote(name: Restaurant): Promise<number>;
}

export const VOTE_SQL = 'UPDATE restaurants SET count = count + 1 WHERE name = $1 RETURNING count';
export const GET_VOTES_SQL = 'SELECT name, count FROM restaurants';

export interface PostgresVotesOptions {
  databaseUrl: string;
  logger: Logger;
  /** Connections in the pool; the bench shows where more stop helping. */
  poolSize?: number;
  /** Use this pool instead of creating one (the bench shares it with its bare baseline). */
  pool?: pg.Pool;
  /** Adds a span per query to the request's X-Ray trace, named `traceName`. */
  tracing?: { tracing: Tracing; traceName: string };
}

export interface PostgresVotes extends VotesStore {
  readonly pool: pg.Pool;
  /** Tries to create the schema once; failure is logged and retried in the background. */
  start(): Promise<void>;
  close(): Promise<void>;
}

const CONNECTION_TIMEOUT_MS = 3000;
const QUERY_TIMEOUT_MS = 5000;

/**
 * Errors from the server about the SQL itself are bugs (500). Errors without a SQLSTATE come from
 * the connection, and the SQLSTATE classes below mean the server cannot serve us right now: both
 * say Postgres is unavailable (503).
 */
function meansUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return true;
  return /^(08|53|57P|3D)/.test(code);
}

export function createPool(databaseUrl: string, poolSize = 10): pg.Pool {
  return new pg.Pool({ connectionString: databaseUrl, max: poolSize, connectionTimeoutMillis: CONNECTION_TIMEOUT_MS });
}

/**
 * One query on a pooled connection, failed after `timeoutMs` (no SQLSTATE, so a 503) with the
 * connection discarded, as pg's `query_timeout` did; like `pool.query`, any error discards the
 * connection. It replaces `pool.query` with `query_timeout`, a pair that kept objects alive through
 * young-generation GCs: at 50 connections with 4 MB semi-spaces about 400 KB survived each
 * scavenge and 240 KB of it went on to the old generation, against 250 KB and 70 KB here
 * (`node --trace-gc-nvp`). With the small young generation the image runs (Dockerfile) those
 * GCs come often, so that was CPU taken from every request.
 */
export function timedQuery<R extends pg.QueryResultRow>(
  pool: pg.Pool,
  config: pg.QueryConfig,
  timeoutMs = QUERY_TIMEOUT_MS,
): Promise<pg.QueryResult<R>> {
  return new Promise((resolve, reject) => {
    pool.connect((connectError, client, release) => {
      if (connectError || !client) {
        reject(connectError ?? new Error('the pool gave no connection'));
        return;
      }
      let settled = false;
      const finish = (error: Error | undefined, result?: pg.QueryResult<R>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        client.off('error', finish);
        // Released with an error, the pool closes the connection instead of reusing it.
        release(error);
        if (error) reject(error);
        else resolve(result!);
      };
      const timer = setTimeout(() => finish(new Error('Query read timeout')), timeoutMs);
      // A connection that fails mid-query emits 'error' on its client, which must be handled here.
      client.on('error', finish);
      client.query<R>(config, (error, result) => finish(error ?? undefined, result));
    });
  });
}

export function createPostgresVotes(options: PostgresVotesOptions): PostgresVotes {
  const { databaseUrl, logger } = options;
  const redactedUrl = redactUrl(databaseUrl);
  const pool = options.pool ?? createPool(databaseUrl, options.poolSize);
  const state = new DependencyState('postgres', logger);
  // An idle pooled connection that dies emits here; the pool drops it and opens a new one on demand.
  pool.on('error', (error) => state.down(error));

  let schemaProblem: string | undefined;
  const gate = new SchemaGate({
    init: () => ensureSchema(databaseUrl, { connectionTimeoutMillis: CONNECTION_TIMEOUT_MS }),
    onReady: () => {
      schemaProblem = undefined;
      logger.info('schema ready', { table: 'restaurants' });
      state.up();
    },
    onFailure: (error) => {
      const message = error instanceof Error ? error.message : String(error);
      if (message !== schemaProblem) {
        schemaProblem = message;
        logger.warn('cannot create the schema yet; retrying in the background', { error });
      }
      state.down(error);
    },
  });

  const unavailable = (error: unknown) => {
    state.down(error);
    return new DependencyUnavailableError('postgres', { cause: error });
  };

  async function ready(): Promise<void> {
    try {
      await gate.whenReady();
    } catch (error) {
      throw unavailable(error);
    }
  }

  const traced = options.tracing;
  const traceFields = (text: string) => ({
    namespace: 'remote',
    sql: { url: redactedUrl, database_type: 'PostgreSQL', sanitized_query: text },
  });

  async function run<R extends pg.QueryResultRow>(name: string, text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    if (!gate.ready) await ready();
    try {
      const config = { name, text, values };
      // Untraced (the default) the span's fields and wrapper would be garbage made on every request.
      const result = await (traced
        ? traced.tracing.subsegment(traced.traceName, traceFields(text), () => timedQuery<R>(pool, config))
        : timedQuery<R>(pool, config));
      if (!state.isUp) state.up();
      return result;
    } catch (error) {
      throw meansUnavailable(error) ? unavailable(error) : error;
    }
  }

  return {
    pool,
    async start() {
      await gate.whenReady().catch(() => {});
    },

    async getVotes() {
      const { rows } = await run<{ name: string; count: number | null }>('yelb-get-votes', GET_VOTES_SQL);
      const counts = new Map<string, number>();
      // char(30) pads names with blanks.
      for (const row of rows) counts.set(row.name.trimEnd(), row.count ?? 0);
      return RESTAURANTS.map((name) => ({ name, value: counts.get(name) ?? 0 }));
    },

    async vote(name) {
      const { rows } = await run<{ count: number }>('yelb-vote', VOTE_SQL, [name]);
      if (rows[0]) return rows[0].count;
      // The seeded row was deleted behind our back: seed it again (at 0) and count this vote.
      logger.warn('restaurant row missing; seeding it again', { restaurant: name });
      gate.reset();
      const retried = await run<{ count: number }>('yelb-vote', VOTE_SQL, [name]);
      if (!retried.rows[0]) throw new Error(`the restaurants table has no row for ${name} even after seeding`);
      return retried.rows[0].count;
    },

    async close() {
      gate.close();
      if (!options.pool) await pool.end();
    },
  };
}
