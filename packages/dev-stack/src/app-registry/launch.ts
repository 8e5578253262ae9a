/**
 * How an app is started on this machine, as the app itself says it in its `launch.json` (the
 * `./launch` export of its package). The app owns these facts — which variables it reads its
 * Postgres and Redis URLs from, whether it has a second listener, what `pnpm dev:direct` starts
 * from it — so the tools that run it (`pnpm dev:direct`, the local mesh) never special-case it.
 */
import { AppRegistryError } from './registry-error.js';

/** An environment value `pnpm dev:direct` fills in: the URL of another of its processes. */
export interface UrlOf {
  /** The `direct` process name whose `http://127.0.0.1:<port>` this is. */
  readonly urlOf: string;
  /** Appended to the URL, e.g. `/`. */
  readonly path?: string;
}

export interface DirectProcess {
  /** Unique across every app: the name in the ready table and in other processes' `urlOf`. */
  readonly name: string;
  /** Its port is the port base plus this; unique across every app, fixed so URLs stay the same. */
  readonly offset: number;
  /** The table's WHAT column. */
  readonly describe: string;
  readonly env?: Readonly<Record<string, string | UrlOf>>;
  /** Set on the one page a developer opens first: the ready table ends with "Open the <landing> at <url>". */
  readonly landing?: string;
}

export interface AppLaunch {
  /** It needs Postgres: the variable its URL goes in, and the database it uses on a server of its own (`pnpm dev:direct`; the local mesh gives each walkthrough one). */
  readonly postgres?: { readonly env: string; readonly database: string };
  /** It needs Redis: the variable its URL goes in. */
  readonly redis?: { readonly env: string };
  /**
   * It opens a second listener (fault injection) when `env` names a port, answering only callers
   * that send the secret in `tokenEnv` as a bearer token: the local mesh gives every instance a
   * port and every run a token.
   */
  readonly controlPort?: { readonly env: string; readonly tokenEnv: string };
  /** It sends X-Ray segments when its workload turns on Envoy's X-Ray tracing: the variables for the daemon's address and for what traces call its database. */
  readonly tracing?: { readonly daemonAddressEnv: string; readonly databaseNameEnv?: string };
  /** The processes `pnpm dev:direct` starts from it; none when only the local mesh runs it. */
  readonly direct?: readonly DirectProcess[];
}


type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a JSON object with exactly the keys allowed: a typo in a descriptor is an error, never a silent default. */
class Reader {
  constructor(
    private readonly source: string,
    private readonly problems: string[],
  ) {}

  object(value: unknown, at: string, required: readonly string[], optional: readonly string[] = []): Json | undefined {
    if (!isObject(value)) {
      this.problems.push(`${at} must be an object`);
      return undefined;
    }
    for (const key of Object.keys(value)) {
      if (!required.includes(key) && !optional.includes(key)) this.problems.push(`${at} has an unknown key "${key}" (allowed: ${[...required, ...optional].join(', ')})`);
    }
    for (const key of required) if (!(key in value)) this.problems.push(`${at}.${key} is missing`);
    return value;
  }

  /** An object whose keys are free (environment variable names), only its values checked. */
  record(value: unknown, at: string): Json {
    if (isObject(value)) return value;
    this.problems.push(`${at} must be an object`);
    return {};
  }

  // string() and offset() stay quiet about an absent value: object() has already said the key is missing.
  string(value: unknown, at: string): string {
    if (value !== undefined && (typeof value !== 'string' || value === '')) this.problems.push(`${at} must be a non-empty string`);
    return String(value);
  }

  offset(value: unknown, at: string): number {
    if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 0)) this.problems.push(`${at} must be a whole number, 0 or more`);
    return Number(value);
  }

  variable(value: unknown, at: string): string {
    const name = this.string(value, at);
    if (typeof value === 'string' && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) this.problems.push(`${at} must be an environment variable name, got "${value}"`);
    return name;
  }

  error(): AppRegistryError | undefined {
    return this.problems.length === 0 ? undefined : new AppRegistryError(`${this.source}: ${this.problems.join('; ')}`);
  }
}

function readEnv(read: Reader, value: unknown, at: string): Record<string, string | UrlOf> {
  const env: Record<string, string | UrlOf> = {};
  for (const [name, entry] of Object.entries(read.record(value, at))) {
    read.variable(name, `${at} key`);
    if (typeof entry === 'string') {
      env[name] = entry;
      continue;
    }
    const url = read.object(entry, `${at}.${name}`, ['urlOf'], ['path']);
    if (!url) continue;
    env[name] = { urlOf: read.string(url.urlOf, `${at}.${name}.urlOf`), ...(url.path !== undefined ? { path: read.string(url.path, `${at}.${name}.path`) } : {}) };
  }
  return env;
}

function readDirect(read: Reader, value: unknown, at: string): DirectProcess | undefined {
  const object = read.object(value, at, ['name', 'offset', 'describe'], ['env', 'landing']);
  if (!object) return undefined;
  return {
    name: read.string(object.name, `${at}.name`),
    offset: read.offset(object.offset, `${at}.offset`),
    describe: read.string(object.describe, `${at}.describe`),
    ...(object.env !== undefined ? { env: readEnv(read, object.env, `${at}.env`) } : {}),
    ...(object.landing !== undefined ? { landing: read.string(object.landing, `${at}.landing`) } : {}),
  };
}

/** Checks a parsed `launch.json`; `source` names it in the error, which lists every problem at once. */
export function parseLaunch(value: unknown, source: string): AppLaunch {
  const problems: string[] = [];
  const read = new Reader(source, problems);
  const top = read.object(value, 'the descriptor', [], ['postgres', 'redis', 'controlPort', 'tracing', 'direct']) ?? {};
  const launch: { -readonly [K in keyof AppLaunch]: AppLaunch[K] } = {};
  if (top.postgres !== undefined) {
    const pg = read.object(top.postgres, 'postgres', ['env', 'database']);
    if (pg) launch.postgres = { env: read.variable(pg.env, 'postgres.env'), database: read.string(pg.database, 'postgres.database') };
  }
  if (top.redis !== undefined) {
    const redis = read.object(top.redis, 'redis', ['env']);
    if (redis) launch.redis = { env: read.variable(redis.env, 'redis.env') };
  }
  if (top.controlPort !== undefined) {
    // The token is not optional: a control port anyone on the machine could use is what it prevents.
    const control = read.object(top.controlPort, 'controlPort', ['env', 'tokenEnv']);
    if (control) launch.controlPort = { env: read.variable(control.env, 'controlPort.env'), tokenEnv: read.variable(control.tokenEnv, 'controlPort.tokenEnv') };
  }
  if (top.tracing !== undefined) {
    const tracing = read.object(top.tracing, 'tracing', ['daemonAddressEnv'], ['databaseNameEnv']);
    if (tracing) {
      launch.tracing = {
        daemonAddressEnv: read.variable(tracing.daemonAddressEnv, 'tracing.daemonAddressEnv'),
        ...(tracing.databaseNameEnv !== undefined ? { databaseNameEnv: read.variable(tracing.databaseNameEnv, 'tracing.databaseNameEnv') } : {}),
      };
    }
  }
  if (top.direct !== undefined) {
    if (!Array.isArray(top.direct)) problems.push('direct must be an array');
    else launch.direct = top.direct.flatMap((entry, i) => readDirect(read, entry, `direct[${i}]`) ?? []);
  }
  const error = read.error();
  if (error) throw error;
  return launch;
}
