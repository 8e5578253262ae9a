/**
 * Typed environment configuration. Every service declares the variables it reads once; a bad
 * value fails start-up with a message that names the variable, says what was expected and what
 * was found, so a learner who mistypes `PORT=80800` in a manifest sees why the pod crashed.
 */
import { isIP } from 'node:net';

export type Env = Readonly<Record<string, string | undefined>>;

export interface VarSpec<T> {
  /** Human description of an acceptable value, used in error messages. */
  readonly expected: string;
  /** Parses a raw value; `undefined` means the variable is unset (or set to the empty string). */
  readonly read: (raw: string | undefined) => T;
  /** Its value must never reach a message: errors name the variable and the problem only. */
  readonly secret?: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

class Unset extends Error {}
class Invalid extends Error {}

type Parser<T> = (raw: string) => T;

interface VarFactory<T> {
  (): VarSpec<T>;
  (options: { default: T }): VarSpec<T>;
  (options: { optional: true }): VarSpec<T | undefined>;
}

function variable<T>(expected: string, parse: Parser<T>, secret = false): VarFactory<T> {
  const factory = (options?: { default?: T; optional?: true }): VarSpec<T | undefined> => ({
    expected,
    ...(secret ? { secret } : {}),
    read(raw) {
      if (raw === undefined || raw === '') {
        if (options && 'default' in options) return options.default;
        if (options?.optional) return undefined;
        throw new Unset();
      }
      return parse(raw);
    },
  });
  return factory as VarFactory<T>;
}

function fail(message: string): never {
  throw new Invalid(message);
}

function parseInteger(raw: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(raw.trim())) fail('not an integer');
  const value = Number(raw);
  if (value < min || value > max) fail(`out of range ${min}..${max}`);
  return value;
}

/** Where a service listens unless `BIND_ADDRESS` says otherwise: every interface, as a container needs. */
export const DEFAULT_BIND_ADDRESS = '0.0.0.0';

/** Bearer tokens travel in a header: visible ASCII only, and long enough not to be guessed. */
const MIN_SECRET_LENGTH = 16;

export const env = {
  string: variable<string>('a non-empty string', (raw) => raw),
  /** An address literal to listen on, never a host name: a name could resolve to an interface nobody meant to open. */
  ipAddress: variable<string>('an IP address such as 0.0.0.0 (every interface), 127.0.0.1 (this machine only) or ::', (raw) => {
    const address = raw.trim();
    return isIP(address) === 0 ? fail('not an IP address') : address;
  }),
  /** A shared secret such as a bearer token; its value is left out of every error message. */
  secret: variable<string>(
    `a secret of at least ${MIN_SECRET_LENGTH} visible ASCII characters (e.g. the output of \`openssl rand -hex 32\`)`,
    (raw) => {
      if (!/^[\x21-\x7e]+$/.test(raw)) fail('it holds spaces or characters other than visible ASCII');
      if (raw.length < MIN_SECRET_LENGTH) fail(`it is shorter than ${MIN_SECRET_LENGTH} characters`);
      return raw;
    },
    true,
  ),
  port: variable<number>('a TCP port (1-65535)', (raw) => parseInteger(raw, 1, 65535)),
  integer: (min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) =>
    variable<number>(`an integer between ${min} and ${max}`, (raw) => parseInteger(raw, min, max)),
  boolean: variable<boolean>('true or false (also 1/0, yes/no)', (raw) => {
    const v = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    return fail('not a boolean');
  }),
  url: (protocols: readonly string[] = ['http:', 'https:']) =>
    variable<URL>(`a URL with scheme ${protocols.map((p) => p.replace(/:$/, '')).join(' or ')}`, (raw) => {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        return fail('not a URL');
      }
      if (!protocols.includes(url.protocol)) fail(`scheme ${url.protocol.replace(/:$/, '')} is not accepted`);
      return url;
    }),
  oneOf: <const V extends string>(values: readonly V[]) =>
    variable<V>(`one of ${values.join(', ')}`, (raw) =>
      values.includes(raw as V) ? (raw as V) : fail('not one of the accepted values'),
    ),
  /** `host` or `host:port`; the port defaults to `defaultPort`. */
  hostPort: (defaultPort: number) =>
    variable<{ host: string; port: number }>(`host or host:port (port defaults to ${defaultPort})`, (raw) => {
      const match = /^(\[[^\]]+\]|[^:/\s]+)(?::(\d+))?$/.exec(raw.trim());
      if (!match) return fail('not host[:port]');
      const port = match[2] === undefined ? defaultPort : parseInteger(match[2], 1, 65535);
      return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
    }),
};

export type ConfigShape = Record<string, VarSpec<unknown>>;
export type ConfigOf<S extends ConfigShape> = { readonly [K in keyof S]: S[K] extends VarSpec<infer T> ? T : never };

/**
 * Reads every declared variable and reports all problems at once, so one restart fixes them all.
 */
export function readConfig<S extends ConfigShape>(shape: S, source: Env = process.env): ConfigOf<S> {
  const problems: string[] = [];
  const result: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(shape)) {
    const raw = source[name];
    try {
      result[name] = spec.read(raw);
    } catch (error) {
      if (error instanceof Unset) problems.push(`${name} is required: set it to ${spec.expected}`);
      else if (error instanceof Invalid)
        problems.push(`${spec.secret ? name : `${name}=${JSON.stringify(raw)}`} is invalid (${error.message}): expected ${spec.expected}`);
      else throw error;
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return result as ConfigOf<S>;
}
