/**
 * The embedded Postgres of a fresh machine: PGlite (Postgres compiled to WASM, in this process)
 * served over the Postgres wire protocol by `@electric-sql/pglite-socket` on a free local port.
 *
 * What a client sees differs from a real server in ways the README spells out:
 * - One database. PGlite runs a single backend attached to `postgres`; the database named in a
 *   connection URL is ignored, so `/yelbdatabase` and `/postgres` reach the same tables.
 *   `CREATE DATABASE x` succeeds but only adds a catalogue row (so "create it if missing" code
 *   works and finds it next time); `current_database()` always answers `postgres`.
 * - One statement at a time. pglite-socket queues every connection's protocol messages onto that
 *   backend; inside a transaction block only the owning connection's messages run (the others
 *   wait; a connection that drops mid-transaction is rolled back). Outside a block the messages
 *   of one extended query stay together because they arrive in one packet and PGlite runs them
 *   without yielding. So a `pg.Pool` works, but an idle-in-transaction client stalls everyone.
 * - Shared session. Named prepared statements, `SET` and temporary tables are shared by all
 *   connections: two connections preparing the same statement name collide.
 * - pglite-socket refuses connections beyond `maxConnections` (its default is 1, we raise it).
 */
import { join, relative } from 'node:path';
import type { BackingService } from '../backing.js';
import { findRepoRoot } from '../repo-root.js';
import { lockDirectory } from './dir-lock.js';

export interface EmbeddedPostgresOptions {
  /** Where the data lives. Default: `.local-mesh/pglite` at the workspace root. */
  dataDir?: string;
  /** Keep everything in memory (nothing survives a restart). */
  inMemory?: boolean;
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Connections served at once; more are refused. Default 100: a few apps with a pool each. */
  maxConnections?: number;
  /** Where the one line announcing the fallback goes. Default: stderr. */
  log?: (line: string) => void;
}

export const DEFAULT_PGLITE_DIR = join('.local-mesh', 'pglite');

const defaultLog = (line: string) => void process.stderr.write(`${line}\n`);

export async function embeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<BackingService> {
  const log = options.log ?? defaultLog;
  const root = findRepoRoot();
  const requestedDir = options.dataDir ?? join(root, DEFAULT_PGLITE_DIR);
  const shown = (dir: string) => (relative(root, dir).startsWith('..') ? dir : relative(root, dir) || '.');

  let release = () => {};
  let dataDir: string | undefined;
  let busyNote = '';
  if (!options.inMemory) {
    const lock = lockDirectory(`${requestedDir}.lock`);
    if ('heldBy' in lock) {
      busyNote = ` (${shown(requestedDir)} is in use by process ${lock.heldBy}, so this one keeps its data in memory)`;
    } else {
      release = lock.release;
      dataDir = requestedDir;
    }
  }

  try {
    const [{ PGlite }, { PGLiteSocketServer }, { mkdirSync }] = await Promise.all([
      import('@electric-sql/pglite'),
      import('@electric-sql/pglite-socket'),
      import('node:fs'),
    ]);
    if (dataDir) mkdirSync(dataDir, { recursive: true });
    const db = await PGlite.create(dataDir ?? 'memory://');
    const host = options.host ?? '127.0.0.1';
    const server = new PGLiteSocketServer({ db, host, port: options.port ?? 0, maxConnections: options.maxConnections ?? 100 });
    try {
      await server.start();
    } catch (error) {
      await db.close();
      throw error;
    }
    const port = Number(server.getServerConn().split(':').pop());
    const url = `postgres://postgres@${host}:${port}/postgres`;
    const where = dataDir ? `data in ${shown(dataDir)}` : 'data in memory only';
    log(
      `Postgres: using the embedded PGlite fallback at ${url} (${where}${busyNote}; one database, one query at a time). ` +
        'For a real server, start Postgres on 127.0.0.1:5432 or set DATABASE_URL.',
    );
    let stopped: Promise<void> | undefined;
    return {
      url,
      source: 'embedded',
      description: `embedded PGlite at ${host}:${port} (${where}; every database name reaches its one database)`,
      singleDatabase: true,
      stop: () =>
        (stopped ??= (async () => {
          try {
            await server.stop();
            await db.close();
          } finally {
            release();
          }
        })()),
    };
  } catch (error) {
    release();
    throw error;
  }
}
