/**
 * `pnpm dev:direct`: resolve Postgres and Redis, start every registered app from its build, wait
 * for each `/ping`, print where everything is, and on Ctrl-C stop it all with nothing left behind.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { isAbsolute, relative } from 'node:path';
import { findPostgres, findRedis, type BackingService } from '../backing.js';
import { exposureWarning } from '../bind-address.js';
import { embeddedPostgres } from '../embedded/postgres.js';
import { embeddedRedis } from '../embedded/redis.js';
import { colourEnabled, paint } from '../supervisor/colour.js';
import { createConsoleReporter } from '../supervisor/reporter.js';
import { SupervisorError, supervise, type ProcessGroup, type ProcessSpec } from '../supervisor/supervise.js';
import { UsageError, parseDevArgs, usage, type DevArgs } from './args.js';
import { portSpan, type DevContext, type DevService } from './services.js';

export interface DevIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

const defaultIo: DevIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  env: process.env,
};

class DevError extends Error {}

/** A path as the developer typed commands from: relative to the working directory when it is below it. */
function shown(path: string): string {
  const below = relative(process.cwd(), path);
  return below.startsWith('..') || isAbsolute(below) ? path : below;
}

function missingBuilds(services: readonly DevService[]): string[] {
  const entries = new Set(services.map((s) => s.app.entry));
  return [...entries].filter((entry) => !existsSync(entry)).map(shown);
}

/**
 * Tried on the address the apps will bind, for the instant it takes: a listener that would stop
 * an app (on that address, or on every interface) makes it fail, and nothing is ever opened
 * beyond where the apps themselves will listen.
 */
function portFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => resolvePort(false));
    server.listen(port, host, () => server.close(() => resolvePort(true)));
  });
}

async function checkPorts(args: DevArgs, services: readonly DevService[]): Promise<void> {
  for (const service of services) {
    const port = args.portBase + service.offset;
    if (!(await portFree(port, args.bindAddress))) {
      throw new DevError(
        `port ${port} (for ${service.name}) is in use: stop what listens there, or pick other ports with --port-base <n> (or DEV_PORT_BASE)`,
      );
    }
  }
}

async function resolveBacking(args: DevArgs, io: DevIo): Promise<{ postgres: BackingService; redis: BackingService }> {
  const log = (line: string) => io.out(`${line}\n`);
  const pgFallback = () => {
    io.out('Postgres: starting the embedded PGlite (the first start initialises it and takes a few seconds)…\n');
    return embeddedPostgres({ inMemory: args.inMemory, log });
  };
  const redisFallback = () => embeddedRedis({ log });
  const postgres = args.embedded ? await pgFallback() : await findPostgres({ env: io.env, embedded: pgFallback });
  try {
    const redis = args.embedded ? await redisFallback() : await findRedis({ env: io.env, embedded: redisFallback });
    return { postgres, redis };
  } catch (error) {
    await postgres.stop();
    throw error;
  }
}

function specs(args: DevArgs, services: readonly DevService[], context: DevContext, env: NodeJS.ProcessEnv): ProcessSpec[] {
  // No mesh yet: calls between apps go straight to 127.0.0.1, never through a proxy the user's
  // shell may have set for the internet.
  const noProxy = [env.NO_PROXY ?? env.no_proxy, '127.0.0.1', 'localhost'].filter(Boolean).join(',');
  return services.map((service) => {
    const port = args.portBase + service.offset;
    return {
      name: service.name,
      command: process.execPath,
      args: [service.app.entry],
      cwd: service.app.dir,
      env: { ...service.env(context), PORT: String(port), BIND_ADDRESS: args.bindAddress, NO_PROXY: noProxy, no_proxy: noProxy },
      ready: { http: `http://127.0.0.1:${port}/ping` },
    };
  });
}

function table(group: ProcessGroup, args: DevArgs, services: readonly DevService[], backing: { postgres: BackingService; redis: BackingService }, colour: boolean): string {
  const rows = services.map((service) => {
    const pid = group.processes.find((p) => p.name === service.name)?.pid ?? '-';
    return [service.name, `http://127.0.0.1:${args.portBase + service.offset}`, String(pid), service.describe];
  });
  const header = ['SERVICE', 'URL', 'PID', 'WHAT'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('   ')}`.trimEnd();
  const landing = services.find((s) => s.landing);
  const open = landing ? `${paint(`→ Open the ${landing.landing} at`, 1, colour)} ${paint(`http://127.0.0.1:${args.portBase + landing.offset}`, 4, colour)}   ` : '';
  return [
    '',
    paint(`All ${rows.length} services are ready.`, 1, colour),
    line(header),
    ...rows.map(line),
    `  Postgres: ${backing.postgres.description}`,
    `  Redis:    ${backing.redis.description}`,
    '',
    `${open}(Ctrl-C stops everything)`,
    '',
  ].join('\n');
}

/** Runs `pnpm dev:direct` with these services; resolves the exit code once everything it started has stopped. */
export async function runDev(argv: readonly string[], services: readonly DevService[], io: DevIo = defaultIo): Promise<number> {
  let args: DevArgs;
  try {
    args = parseDevArgs(argv, portSpan(services), io.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`dev: ${error.message}\n`);
    return 2;
  }
  if (args.help) {
    io.out(usage(services));
    return 0;
  }
  const warning = exposureWarning(args.bindAddress, 'the apps');
  if (warning) io.err(`dev: ${warning}\n`);

  // A Ctrl-C while Postgres is still starting must still clean up; the supervisor takes over later.
  let interrupted: NodeJS.Signals | undefined;
  const early = (signal: NodeJS.Signals) => (interrupted ??= signal);
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, early);
  const release = () => signals.forEach((signal) => process.off(signal, early));

  let backing: { postgres: BackingService; redis: BackingService } | undefined;
  try {
    const missing = missingBuilds(services);
    if (missing.length > 0) {
      throw new DevError(`${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing: build the apps first with \`pnpm build\` (\`pnpm dev:direct\` from the repository root builds them for you)`);
    }
    await checkPorts(args, services);
    backing = await resolveBacking(args, io);
    io.out(`Postgres: ${backing.postgres.description}\nRedis: ${backing.redis.description}\n`);
    if (interrupted) return 0;

    const context: DevContext = {
      postgresUrl: backing.postgres.url,
      redisUrl: backing.redis.url,
      port: (name) => args.portBase + services.find((s) => s.name === name)!.offset,
    };
    const colour = colourEnabled(process.stdout, io.env);
    const reporter = createConsoleReporter({ names: services.map((s) => s.name), write: io.out, colour });
    let group: ProcessGroup;
    try {
      group = await supervise(specs(args, services, context, io.env), { onEvent: reporter, handleSignals: true, onChildExit: 'stop-all' });
    } catch (error) {
      if (!(error instanceof SupervisorError)) throw error;
      if (interrupted || !error.processName) return 0;
      throw new DevError(`${error.message}: see its output above`);
    }
    release();
    if (interrupted) {
      await group.stop(`received ${interrupted}`);
      return 0;
    }
    io.out(table(group, args, services, backing, colour));
    const exits = await group.exited;
    const crashed = exits.find((e) => !e.expected);
    if (crashed) {
      io.err(`dev: ${crashed.name} exited on its own (${crashed.signal ?? `code ${crashed.code}`}), so everything was stopped: see its output above\n`);
      return 1;
    }
    io.out('All services stopped.\n');
    return 0;
  } catch (error) {
    if (!(error instanceof DevError) && !(error instanceof Error && /does not answer/.test(error.message))) throw error;
    io.err(`dev: ${error.message}\n`);
    return 1;
  } finally {
    release();
    await backing?.postgres.stop();
    await backing?.redis.stop();
  }
}
