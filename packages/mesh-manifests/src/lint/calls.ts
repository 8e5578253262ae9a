/**
 * Finds the outbound calls a workload will make, from what its manifest says: env values that
 * are URLs, `host:port`, JSON lists of either, or bare hosts in variables named like
 * `*_HOST`/`*_ENDPOINT`/`*_SERVER`/`*_URL`; plus the defaults of the sample apps, which call
 * their backends even when no variable is set.
 *
 * Well-known defaults of the original Yelb (github.com/mreferre/yelb: the UI's startup script
 * and the appserver's configuration), which our rewrites keep:
 * - yelb-ui: `YELB_APPSERVER_ENDPOINT`, default `http://yelb-appserver:4567`.
 * - yelb-appserver: `RACK_ENV` (image default `production`); `production`/`test` call
 *   `yelb-db:5432` and `redis-server:6379`; `custom` reads `YELB_DB_SERVER_ENDPOINT` (5432) and
 *   `REDIS_SERVER_ENDPOINT` (6379); `development` uses localhost. `DATABASE_URL`/`REDIS_URL`
 *   (our rewrite) replace the defaults; `YELB_DDB_RESTAURANTS`/`YELB_DDB_CACHE` switch Postgres/
 *   Redis off in favour of DynamoDB.
 * - The DJ app's `BACKENDS` (JSON list of `host:port`), feapp's `COLOR_HOST`, the ColorApp
 *   gateway's `COLOR_TELLER_ENDPOINT` are covered by the generic patterns.
 *
 * A container's `command`/`args` count too: URLs anywhere in them, and the host a `curl` or
 * `wget` is pointed at (`curl -s svc-v` — the blog series behind mesh-basics did exactly this, and
 * reached the Service directly instead of the router).
 */
import type { ContainerInfo, PodTemplate } from './inventory.js';
import type { FieldPath } from './types.js';
import { isHelperContainer } from './workloads.js';

export interface OutboundCall {
  pod: PodTemplate;
  container: ContainerInfo;
  host: string;
  port?: number;
  /** Where the call comes from, for messages: `env JAZZ_URL` or `yelb-ui's default …`. */
  origin: string;
  /** The env value (or the container) in the owning object, for the finding's line. */
  path: FieldPath;
  /** The env variable to change to fix the call, when there is one. */
  variable?: string;
}

const SCHEME_PORTS: Record<string, number> = { http: 80, https: 443, redis: 6379, rediss: 6379, postgres: 5432, postgresql: 5432, grpc: 80, mysql: 3306, amqp: 5672, mongodb: 27017 };
const HOST = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/i;
const HOST_PORT = /^([a-z0-9]([a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?):(\d{1,5})(\/.*)?$/i;
const HOST_VARIABLE = /(^|_)(HOST|ENDPOINT|SERVER|ADDR|ADDRESS|URL|URI|UPSTREAM|BACKEND)S?$/i;
/** Ports the yelb-appserver's endpoint variables imply (they hold bare hosts). */
const VARIABLE_PORTS: Record<string, number> = { YELB_DB_SERVER_ENDPOINT: 5432, REDIS_SERVER_ENDPOINT: 6379, YELB_REDIS_SERVER_ENDPOINT: 6379 };

function isLocal(host: string): boolean {
  return host === 'localhost' || /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.includes(':') || host === '0.0.0.0';
}

interface Target {
  host: string;
  port?: number;
}

function target(host: string, port?: number): Target {
  const clean = host.toLowerCase().replace(/\.$/, '');
  return port === undefined ? { host: clean } : { host: clean, port };
}

/** Targets in one env value; `variable` decides whether a bare host counts. */
export function targetsIn(value: string, variable: string): Target[] {
  const trimmed = value.trim();
  if (trimmed === '' || trimmed.includes('$(')) return [];
  if (trimmed.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (Array.isArray(parsed)) return parsed.filter((v): v is string => typeof v === 'string').flatMap((v) => targetsIn(v, variable));
    } catch {
      return [];
    }
  }
  if (/[\s,]/.test(trimmed)) return trimmed.split(/[\s,]+/).flatMap((part) => targetsIn(part, variable));
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed);
  if (scheme) {
    try {
      const url = new URL(trimmed);
      if (!url.hostname) return [];
      const port = url.port ? Number(url.port) : SCHEME_PORTS[(scheme[1] as string).toLowerCase()];
      return [target(url.hostname, port)];
    } catch {
      return [];
    }
  }
  const hostPort = HOST_PORT.exec(trimmed);
  if (hostPort) return [target(hostPort[1] as string, Number(hostPort[4]))];
  if (HOST_VARIABLE.test(variable) && HOST.test(trimmed) && /[a-z]/i.test(trimmed)) return [target(trimmed, VARIABLE_PORTS[variable])];
  return [];
}

function looksLike(container: ContainerInfo, app: string): boolean {
  const image = (container.image ?? '').split('@')[0]?.split(':')[0]?.split('/').pop() ?? '';
  return container.name === app || image === app || image.startsWith(`${app}-`) || container.name.startsWith(`${app}-`);
}

function defaultCalls(container: ContainerInfo): { host: string; port: number; origin: string }[] {
  const env = new Map(container.env.map((e) => [e.name, e.value ?? '']));
  if (looksLike(container, 'yelb-ui') && !env.has('YELB_APPSERVER_ENDPOINT')) {
    return [{ host: 'yelb-appserver', port: 4567, origin: "yelb-ui's default YELB_APPSERVER_ENDPOINT (http://yelb-appserver:4567)" }];
  }
  if (looksLike(container, 'yelb-appserver')) {
    const rackEnv = (env.get('RACK_ENV') || 'production').toLowerCase();
    if (rackEnv !== 'production' && rackEnv !== 'test') return [];
    const calls: { host: string; port: number; origin: string }[] = [];
    if (!env.get('DATABASE_URL') && !env.get('YELB_DDB_RESTAURANTS')) {
      calls.push({ host: 'yelb-db', port: 5432, origin: `yelb-appserver's database host for RACK_ENV=${rackEnv} (yelb-db:5432)` });
    }
    if (!env.get('REDIS_URL') && !env.get('YELB_DDB_CACHE')) {
      calls.push({ host: 'redis-server', port: 6379, origin: `yelb-appserver's Redis host for RACK_ENV=${rackEnv} (redis-server:6379)` });
    }
    return calls;
  }
  return [];
}

/** Shell words: whitespace splits outside quotes, quotes are removed, `;`, `|`, `&` end a command. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let current = '';
  let quote: string | undefined;
  const flush = () => {
    if (current !== '') words.push(current);
    current = '';
  };
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (/\s/.test(ch)) {
      flush();
    } else if (ch === ';' || ch === '|' || ch === '&') {
      flush();
      words.push(ch);
    } else {
      current += ch;
    }
  }
  flush();
  return words;
}

/** curl/wget options that take a value, so that value is not mistaken for the host. */
const OPTIONS_WITH_VALUE = new Set(['-H', '--header', '-d', '--data', '-o', '--output', '-X', '--request', '-u', '--user', '-A', '--user-agent', '-e', '--referer', '-m', '--max-time', '--connect-timeout', '-w', '--write-out', '-x', '--proxy', '-T', '--upload-file', '-b', '--cookie']);

/** Targets named on a command line: URLs anywhere, and the operand of `curl`/`wget`. */
export function targetsInCommand(line: string): Target[] {
  const words = shellWords(line);
  const out: Target[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    if (word.includes('://') && !word.includes('$')) {
      out.push(...targetsIn(word, 'URL'));
      continue;
    }
    if (word !== 'curl' && word !== 'wget') continue;
    let j = i + 1;
    while (j < words.length && (words[j] as string).startsWith('-')) j += OPTIONS_WITH_VALUE.has(words[j] as string) ? 2 : 1;
    const operand = words[j];
    if (!operand || operand.includes('$') || operand.includes('://') || ';|&'.includes(operand)) continue;
    out.push(...targetsIn(operand.split('/')[0] as string, 'HOST'));
    i = j;
  }
  return out;
}

/** Every outbound call the pod template's application containers will make. */
export function outboundCalls(pod: PodTemplate): OutboundCall[] {
  const calls: OutboundCall[] = [];
  for (const container of pod.containers) {
    if (isHelperContainer(container)) continue;
    for (const variable of container.env) {
      if (variable.value === undefined || variable.name === 'HOSTNAME') continue;
      for (const t of targetsIn(variable.value, variable.name)) {
        if (isLocal(t.host)) continue;
        calls.push({ pod, container, ...t, origin: `env ${variable.name}=${variable.value}`, path: variable.path, variable: variable.name });
      }
    }
    for (const { value, path } of container.commandLine) {
      for (const t of targetsInCommand(value)) {
        if (isLocal(t.host)) continue;
        calls.push({ pod, container, ...t, origin: `command \`${value.length > 60 ? `${value.slice(0, 57)}…` : value}\``, path });
      }
    }
    for (const call of defaultCalls(container)) {
      calls.push({ pod, container, ...call, path: container.path });
    }
  }
  return calls;
}
