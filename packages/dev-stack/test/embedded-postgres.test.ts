import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseUrl, findPostgres, type BackingService } from '../src/backing.js';
import { embeddedPostgres } from '../src/embedded/postgres.js';

const scratch = mkdtempSync(join(tmpdir(), 'amw-pglite-'));
const dataDir = join(scratch, 'pglite');
const lines: string[] = [];
let backing: BackingService;

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => {});
  }
}

beforeAll(async () => {
  backing = await embeddedPostgres({ dataDir, log: (line) => lines.push(line) });
}, 120_000);

afterAll(async () => {
  await backing?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

describe('embeddedPostgres', () => {
  it('is a single-database BackingService of source embedded, announced in one line', () => {
    expect(backing.source).toBe('embedded');
    expect(backing.singleDatabase).toBe(true);
    expect(backing.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/embedded PGlite fallback .*set DATABASE_URL/);
  });

  it('is what findPostgres hands out through its embedded callback when nothing else answers', async () => {
    // DATABASE_URL set: the lookup uses it; the callback only runs when nothing answers.
    const viaEnv = await findPostgres({ env: { DATABASE_URL: backing.url }, embedded: () => Promise.reject(new Error('not needed')) });
    expect(viaEnv.source).toBe('env');
  });

  it('serves a pg.Pool: concurrent parameterised queries of different shapes each get their own answer', async () => {
    // Different statements, so a Bind landing on another connection's Parse could not go unseen.
    const pool = new pg.Pool({ connectionString: backing.url, max: 6 });
    const ask = (i: number): Promise<unknown> => {
      if (i % 3 === 0) return pool.query('SELECT $1::int AS n', [i]).then((r) => r.rows);
      if (i % 3 === 1) return pool.query('SELECT $1::text AS label, $2::int AS twice', [`q${i}`, i * 2]).then((r) => r.rows);
      return pool.query('SELECT generate_series(1, $1::int) AS s', [(i % 4) + 1]).then((r) => r.rows.length);
    };
    const expected = (i: number): unknown =>
      i % 3 === 0 ? [{ n: i }] : i % 3 === 1 ? [{ label: `q${i}`, twice: i * 2 }] : (i % 4) + 1;
    try {
      const answers = await Promise.all(Array.from({ length: 90 }, (_, i) => ask(i)));
      expect(answers).toEqual(Array.from({ length: 90 }, (_, i) => expected(i)));
      expect(pool.totalCount).toBeGreaterThan(1);
    } finally {
      await pool.end();
    }
  });

  it('keeps a transaction whole: other connections wait for COMMIT and then see it', async () => {
    await withClient(backing.url, (c) => c.query('CREATE TABLE IF NOT EXISTS votes (name text PRIMARY KEY, count int NOT NULL)'));
    await withClient(backing.url, (c) => c.query("INSERT INTO votes VALUES ('ihop', 0) ON CONFLICT (name) DO UPDATE SET count = 0"));
    const writer = new pg.Client({ connectionString: backing.url });
    await writer.connect();
    const pool = new pg.Pool({ connectionString: backing.url, max: 3 });
    try {
      await writer.query('BEGIN');
      await writer.query("UPDATE votes SET count = count + 10 WHERE name = 'ihop'");
      let seen: number | undefined;
      const reader = pool.query<{ count: number }>("SELECT count FROM votes WHERE name = 'ihop'").then((r) => (seen = r.rows[0]!.count));
      // One backend serves everyone: had the reader not waited for COMMIT it would have read the
      // writer's half-done 10 (or 0), never 11.
      await writer.query("UPDATE votes SET count = count + 1 WHERE name = 'ihop'");
      await writer.query('COMMIT');
      await reader;
      expect(seen).toBe(11);
    } finally {
      await writer.end();
      await pool.end();
    }
  });

  it('rolls back the transaction of a connection that drops, and serves the others again', async () => {
    const dropper = new pg.Client({ connectionString: backing.url });
    dropper.on('error', () => {});
    await dropper.connect();
    await dropper.query('BEGIN');
    await dropper.query("UPDATE votes SET count = 1000 WHERE name = 'ihop'");
    (dropper as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    const count = await withClient(backing.url, async (c) => (await c.query<{ count: number }>("SELECT count FROM votes WHERE name = 'ihop'")).rows[0]!.count);
    expect(count).toBe(11);
  });

  it('rolls back a failed transaction without blocking anyone', async () => {
    await withClient(backing.url, async (c) => {
      await c.query('BEGIN');
      await expect(c.query('SELECT * FROM no_such_table')).rejects.toThrow(/no_such_table/);
      await c.query('ROLLBACK');
    });
    const ok = await withClient(backing.url, async (c) => (await c.query('SELECT 1 AS one')).rows[0]);
    expect(ok).toEqual({ one: 1 });
  });

  it('has one database: CREATE DATABASE succeeds, and every database name reaches the same tables', async () => {
    await withClient(backing.url, async (c) => {
      const exists = await c.query("SELECT 1 FROM pg_database WHERE datname = 'yelbdatabase'");
      if (exists.rowCount === 0) await c.query('CREATE DATABASE yelbdatabase');
    });
    const names = await withClient(backing.url, async (c) => (await c.query<{ datname: string }>('SELECT datname FROM pg_database')).rows.map((r) => r.datname));
    expect(names).toContain('yelbdatabase');
    const yelb = databaseUrl(backing.url, 'yelbdatabase');
    const other = databaseUrl(backing.url, 'never_created');
    const fromYelb = await withClient(yelb, async (c) => (await c.query<{ db: string; count: number }>("SELECT current_database() AS db, count FROM votes WHERE name = 'ihop'")).rows[0]);
    const fromOther = await withClient(other, async (c) => (await c.query<{ count: number }>("SELECT count FROM votes WHERE name = 'ihop'")).rows[0]);
    expect(fromYelb).toEqual({ db: 'postgres', count: 11 });
    expect(fromOther).toEqual({ count: 11 });
  });

  it('refuses a second user of the same data directory and keeps that one in memory', async () => {
    const second: string[] = [];
    const other = await embeddedPostgres({ dataDir, log: (line) => second.push(line) });
    try {
      expect(second[0]).toMatch(new RegExp(`in use by process ${process.pid}.*in memory`));
      const tables = await withClient(other.url, async (c) => (await c.query("SELECT to_regclass('public.votes') AS t")).rows[0]);
      expect(tables).toEqual({ t: null });
    } finally {
      await other.stop();
    }
    expect(existsSync(`${dataDir}.lock`)).toBe(true); // still held by the first
  }, 120_000);

  it('keeps its data across a restart on the same directory', async () => {
    await backing.stop();
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
    backing = await embeddedPostgres({ dataDir, log: () => {} });
    const count = await withClient(backing.url, async (c) => (await c.query<{ count: number }>("SELECT count FROM votes WHERE name = 'ihop'")).rows[0]!.count);
    expect(count).toBe(11);
  }, 120_000);
});
