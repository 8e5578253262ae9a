/**
 * What `pnpm dev:direct` runs (no mesh): the `direct` processes the registered apps describe, on
 * fixed ports that follow from one base, each wired straight to the others by 127.0.0.1 URLs.
 */
import type { DirectProcess, UrlOf } from '../app-registry/launch.js';
import type { AppRegistry, RegisteredApp } from '../app-registry/registry.js';
import { AppRegistryError } from '../app-registry/registry-error.js';
import { databaseUrl } from '../backing.js';

export const DEFAULT_PORT_BASE = 8080;

export interface DevService {
  readonly name: string;
  readonly app: RegisteredApp;
  /** Port = base + offset. */
  readonly offset: number;
  readonly describe: string;
  readonly landing?: string;
  env(context: DevContext): Record<string, string>;
}

export interface DevContext {
  readonly postgresUrl: string;
  readonly redisUrl: string;
  port(name: string): number;
}

const local = (port: number) => `http://127.0.0.1:${port}`;

function valueOf(value: string | UrlOf, context: DevContext): string {
  return typeof value === 'string' ? value : `${local(context.port(value.urlOf))}${value.path ?? ''}`;
}

function service(app: RegisteredApp, direct: DirectProcess): DevService {
  const { postgres, redis } = app.launch;
  return {
    name: direct.name,
    app,
    offset: direct.offset,
    describe: direct.describe,
    ...(direct.landing ? { landing: direct.landing } : {}),
    env: (context) => ({
      ...(postgres ? { [postgres.env]: databaseUrl(context.postgresUrl, postgres.database) } : {}),
      ...(redis ? { [redis.env]: context.redisUrl } : {}),
      ...Object.fromEntries(Object.entries(direct.env ?? {}).map(([name, value]) => [name, valueOf(value, context)])),
    }),
  };
}

interface Planned {
  readonly app: RegisteredApp;
  readonly direct: DirectProcess;
}

/** Names, offsets and `urlOf` targets come from several apps' descriptors: a clash is named here, not found later as a port in use. */
function check(planned: readonly Planned[]): void {
  const problems: string[] = [];
  const label = (p: Planned) => `${p.app.packageName} (${p.direct.name})`;
  const unique = (key: (p: Planned) => string | number, what: string) => {
    const first = new Map<string | number, Planned>();
    for (const p of planned) {
      const other = first.get(key(p));
      if (other) problems.push(`${label(other)} and ${label(p)} both use ${what} ${key(p)}`);
      else first.set(key(p), p);
    }
  };
  unique((p) => p.direct.name, 'the name');
  unique((p) => p.direct.offset, 'the port offset');
  const names = new Set(planned.map((p) => p.direct.name));
  for (const p of planned) {
    for (const value of Object.values(p.direct.env ?? {})) {
      if (typeof value !== 'string' && !names.has(value.urlOf)) problems.push(`${label(p)} wants the URL of "${value.urlOf}", which no app starts`);
    }
  }
  const landings = planned.filter((p) => p.direct.landing);
  if (landings.length > 1) problems.push(`only one process can be the landing page, not ${landings.map(label).join(' and ')}`);
  if (problems.length > 0) throw new AppRegistryError(`pnpm dev:direct cannot run these apps: ${problems.join('; ')}`);
}

/** Every app's `direct` processes, in port order (the table's order). */
export function devServices(apps: AppRegistry): DevService[] {
  const planned = apps.apps.flatMap((app) => (app.launch.direct ?? []).map((direct) => ({ app, direct })));
  check(planned);
  return planned.map(({ app, direct }) => service(app, direct)).sort((a, b) => a.offset - b.offset);
}

/** How many ports from the base the services need. */
export function portSpan(services: readonly DevService[]): number {
  return Math.max(0, ...services.map((s) => s.offset)) + 1;
}
