/**
 * The appserver's environment. It accepts the original's `RACK_ENV` scheme so existing manifests
 * work unchanged, and `DATABASE_URL` / `REDIS_URL`, which win when set because they say exactly
 * where to go (the local mesh and tests use them).
 */
import { ConfigError, DEFAULT_BIND_ADDRESS, LOG_LEVELS, env, readConfig, type Env, type LogLevel, type VarSpec } from '@amw/service-kit';

export const DEFAULT_PORT = 4567;
export const APP_VERSIONS = ['v1', 'v2'] as const;
export type AppVersion = (typeof APP_VERSIONS)[number];
export const RACK_ENVS = ['production', 'test', 'development', 'custom'] as const;
export type RackEnv = (typeof RACK_ENVS)[number];

/** Hard-coded in every environment of the original; kept so the original yelb-db image works as is. */
export const ORIGINAL_DATABASE = { name: 'yelbdatabase', user: 'postgres', password: 'postgres_password', port: 5432 } as const;
export const ORIGINAL_REDIS_PORT = 6379;

export interface AppserverConfig {
  readonly port: number;
  /** `BIND_ADDRESS`: where it listens; every interface unless set. */
  readonly bindAddress: string;
  readonly appVersion: AppVersion;
  readonly logLevel: LogLevel;
  readonly rackEnv: RackEnv;
  readonly databaseUrl: string;
  readonly redisUrl: string;
  /** Which variable chose each URL, for the start-up log line. */
  readonly databaseFrom: string;
  readonly redisFrom: string;
  /** `HOSTNAME` when set; the appserver falls back to the OS hostname. */
  readonly hostname: string | undefined;
  /** Where X-Ray segments go (`AWS_XRAY_DAEMON_ADDRESS`, the X-Ray SDKs' variable); unset: no tracing. */
  readonly xrayDaemonAddress: string | undefined;
  /** What traces call the database (`TRACE_DATABASE_NAME`, default: its host). */
  readonly traceDatabaseName: string;
}

interface Endpoint {
  host: string;
  port: number;
}

const FIXED_HOSTS: Record<Exclude<RackEnv, 'custom'>, { postgres: string; redis: string }> = {
  production: { postgres: 'yelb-db', redis: 'redis-server' },
  test: { postgres: 'yelb-db', redis: 'redis-server' },
  development: { postgres: 'localhost', redis: 'localhost' },
};

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function postgresUrl({ host, port }: Endpoint): string {
  const { user, password, name } = ORIGINAL_DATABASE;
  return `postgres://${user}:${password}@${hostForUrl(host)}:${port}/${name}`;
}

function redisUrl({ host, port }: Endpoint): string {
  return `redis://${hostForUrl(host)}:${port}`;
}

/**
 * The endpoint variables matter only under RACK_ENV=custom without the matching URL variable (as
 * in the original, which read them only there); then they are required and the message says why.
 */
function customEndpoint(needed: boolean, what: string, defaultPort: number, urlVariable: string): VarSpec<Endpoint | undefined> {
  if (!needed) return { expected: 'unused', read: () => undefined };
  const base = env.hostPort(defaultPort)();
  return {
    ...base,
    expected: `the ${what} host or host:port (port defaults to ${defaultPort}), which RACK_ENV=custom reads; or set ${urlVariable} instead`,
  };
}

function present(source: Env, name: string): boolean {
  const value = source[name];
  return value !== undefined && value !== '';
}

/** Reads and checks every variable; throws ConfigError listing every problem at once. */
export function readAppserverConfig(source: Env = process.env): AppserverConfig {
  const customMode = source.RACK_ENV === 'custom';

  const raw = readConfig(
    {
      PORT: env.port({ default: DEFAULT_PORT }),
      BIND_ADDRESS: env.ipAddress({ default: DEFAULT_BIND_ADDRESS }),
      APP_VERSION: env.oneOf(APP_VERSIONS)({ default: 'v1' }),
      LOG_LEVEL: env.oneOf(LOG_LEVELS)({ default: 'info' }),
      RACK_ENV: env.oneOf(RACK_ENVS)({ default: 'development' }),
      DATABASE_URL: env.url(['postgres:', 'postgresql:'])({ optional: true }),
      REDIS_URL: env.url(['redis:', 'rediss:'])({ optional: true }),
      HOSTNAME: env.string({ optional: true }),
      AWS_XRAY_DAEMON_ADDRESS: env.hostPort(2000)({ optional: true }),
      TRACE_DATABASE_NAME: env.string({ optional: true }),
      YELB_DB_SERVER_ENDPOINT: customEndpoint(
        customMode && !present(source, 'DATABASE_URL'),
        'Postgres',
        ORIGINAL_DATABASE.port,
        'DATABASE_URL',
      ),
      REDIS_SERVER_ENDPOINT: customEndpoint(customMode && !present(source, 'REDIS_URL'), 'Redis', ORIGINAL_REDIS_PORT, 'REDIS_URL'),
    },
    source,
  );

  const rackEnv = raw.RACK_ENV;
  const pick = (
    url: URL | undefined,
    urlVariable: string,
    endpoint: Endpoint | undefined,
    endpointVariable: string,
    which: 'postgres' | 'redis',
  ): { url: string; from: string } => {
    const toUrl = which === 'postgres' ? postgresUrl : redisUrl;
    if (url) return { url: url.toString(), from: urlVariable };
    if (rackEnv === 'custom') {
      // readConfig made the endpoint required in this case; this guards the invariant.
      if (!endpoint) throw new ConfigError([`${endpointVariable} is required with RACK_ENV=custom`]);
      return { url: toUrl(endpoint), from: `RACK_ENV=custom, ${endpointVariable}` };
    }
    const defaultPort = which === 'postgres' ? ORIGINAL_DATABASE.port : ORIGINAL_REDIS_PORT;
    return { url: toUrl({ host: FIXED_HOSTS[rackEnv][which], port: defaultPort }), from: `RACK_ENV=${rackEnv}` };
  };

  const database = pick(raw.DATABASE_URL, 'DATABASE_URL', raw.YELB_DB_SERVER_ENDPOINT, 'YELB_DB_SERVER_ENDPOINT', 'postgres');
  const redis = pick(raw.REDIS_URL, 'REDIS_URL', raw.REDIS_SERVER_ENDPOINT, 'REDIS_SERVER_ENDPOINT', 'redis');

  return {
    port: raw.PORT,
    bindAddress: raw.BIND_ADDRESS,
    appVersion: raw.APP_VERSION,
    logLevel: raw.LOG_LEVEL,
    rackEnv,
    databaseUrl: database.url,
    redisUrl: redis.url,
    databaseFrom: database.from,
    redisFrom: redis.from,
    hostname: raw.HOSTNAME,
    xrayDaemonAddress: raw.AWS_XRAY_DAEMON_ADDRESS ? `${raw.AWS_XRAY_DAEMON_ADDRESS.host}:${raw.AWS_XRAY_DAEMON_ADDRESS.port}` : undefined,
    traceDatabaseName: raw.TRACE_DATABASE_NAME ?? new URL(database.url).hostname,
  };
}
