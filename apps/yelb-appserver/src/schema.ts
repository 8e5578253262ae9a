/**
 * Creates what the original's yelb-db image created in its init script (the database, the
 * `restaurants` table and the four rows at 0), so the appserver also runs against a plain
 * Postgres. Idempotent and safe when several instances start together: advisory locks serialise
 * them, existing counts are never reset.
 */
import pg from 'pg';
import { RESTAURANTS } from './restaurants.js';

/** Any fixed number works; this one spells "yelb" so it is recognisable in pg_locks. */
const SCHEMA_LOCK_KEY = 0x79656c62;
const MAINTENANCE_DATABASE = 'postgres';
const INVALID_CATALOG_NAME = '3D000';
const DUPLICATE_DATABASE = '42P04';

export interface SchemaOptions {
  connectionTimeoutMillis?: number;
}

function sqlState(error: unknown): string | undefined {
  return (error as { code?: unknown } | undefined)?.code as string | undefined;
}

function databaseName(databaseUrl: string): string {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, ''));
  // libpq's rule: no database in the URL means the user's name.
  return name || decodeURIComponent(new URL(databaseUrl).username) || 'postgres';
}

function maintenanceUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${MAINTENANCE_DATABASE}`;
  return url.toString();
}

async function withClient<T>(url: string, options: SchemaOptions, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: options.connectionTimeoutMillis ?? 3000 });
  // A connection lost mid-way surfaces through the failing query; without a listener it would crash the process.
  client.on('error', () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

async function createDatabase(databaseUrl: string, options: SchemaOptions): Promise<void> {
  const name = databaseName(databaseUrl);
  await withClient(maintenanceUrl(databaseUrl), options, async (client) => {
    // CREATE DATABASE cannot run in a transaction, so a session lock serialises the instances.
    await client.query('SELECT pg_advisory_lock($1)', [SCHEMA_LOCK_KEY]);
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) {
      try {
        await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
      } catch (error) {
        if (sqlState(error) !== DUPLICATE_DATABASE) throw error;
      }
    }
  });
}

async function createTableAndSeed(client: pg.Client): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK_KEY]);
    await client.query('CREATE TABLE IF NOT EXISTS restaurants (name char(30) PRIMARY KEY, count integer)');
    const rows = RESTAURANTS.map((_, i) => `($${i + 1}, 0)`).join(', ');
    await client.query(`INSERT INTO restaurants (name, count) VALUES ${rows} ON CONFLICT (name) DO NOTHING`, [...RESTAURANTS]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/** Creates the database when it is missing, then the table and its four rows. */
export async function ensureSchema(databaseUrl: string, options: SchemaOptions = {}): Promise<void> {
  try {
    await withClient(databaseUrl, options, createTableAndSeed);
  } catch (error) {
    if (sqlState(error) !== INVALID_CATALOG_NAME) throw error;
    await createDatabase(databaseUrl, options);
    await withClient(databaseUrl, options, createTableAndSeed);
  }
}
