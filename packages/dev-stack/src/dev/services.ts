/**
 * What `pnpm dev:direct` runs (no mesh): every sample app once, on fixed ports that
 * follow from one base, each wired straight to the others by 127.0.0.1 URLs.
 */
import { join } from 'node:path';
import { databaseUrl } from '../backing.js';

export const DEFAULT_PORT_BASE = 8080;

export interface DevService {
  readonly name: string;
  /** Folder under `apps/`. */
  readonly app: string;
  /** Entry point inside the app folder. */
  readonly entry: string;
  /** Port = base + offset. */
  readonly offset: number;
  readonly describe: string;
  env(context: DevContext): Record<string, string>;
}

export interface DevContext {
  readonly postgresUrl: string;
  readonly redisUrl: string;
  port(name: string): number;
}

const local = (port: number) => `http://127.0.0.1:${port}`;

/** In table order; the offsets never change, so docs and muscle memory stay right. */
export const DEV_SERVICES: readonly DevService[] = [
  {
    name: 'yelb-ui',
    app: 'yelb-ui',
    entry: join('dist', 'server', 'main.js'),
    offset: 0,
    describe: 'Yelb page; /api goes to yelb-appserver',
    env: (c) => ({ YELB_APPSERVER_ENDPOINT: local(c.port('yelb-appserver')) }),
  },
  {
    name: 'yelb-appserver',
    app: 'yelb-appserver',
    entry: join('dist', 'main.js'),
    offset: 1,
    describe: 'Yelb API (Postgres database yelbdatabase, Redis)',
    env: (c) => ({ DATABASE_URL: databaseUrl(c.postgresUrl, 'yelbdatabase'), REDIS_URL: c.redisUrl }),
  },
  {
    name: 'dj',
    app: 'dj',
    entry: join('dist', 'main.js'),
    offset: 2,
    describe: 'DJ; calls jazz and metal directly',
    env: (c) => ({ JAZZ_URL: `${local(c.port('jazz'))}/`, METAL_URL: `${local(c.port('metal'))}/` }),
  },
  {
    name: 'jazz',
    app: 'music',
    entry: join('dist', 'main.js'),
    offset: 3,
    describe: 'music service, GENRE=jazz VERSION=v1',
    env: () => ({ GENRE: 'jazz', VERSION: 'v1' }),
  },
  {
    name: 'metal',
    app: 'music',
    entry: join('dist', 'main.js'),
    offset: 4,
    describe: 'music service, GENRE=metal VERSION=v1',
    env: () => ({ GENRE: 'metal', VERSION: 'v1' }),
  },
  {
    name: 'colorteller',
    app: 'colorteller',
    entry: join('dist', 'main.js'),
    offset: 5,
    describe: 'ColorTeller, COLOR=blue',
    env: () => ({ COLOR: 'blue' }),
  },
];

export const PORT_SPAN = Math.max(...DEV_SERVICES.map((s) => s.offset)) + 1;
