/** The command line of `pnpm dev:direct`: every mistake is one line that says how to fix it. */
import { parseArgs } from 'node:util';
import { DEFAULT_PORT_BASE, DEV_SERVICES, PORT_SPAN } from './services.js';

export interface DevArgs {
  readonly portBase: number;
  /** Use the embedded Postgres and Redis stand-in even when real servers answer. */
  readonly embedded: boolean;
  /** Keep the embedded Postgres in memory instead of `.local-mesh/pglite`. */
  readonly inMemory: boolean;
  readonly root: string | undefined;
  readonly help: boolean;
}

export class UsageError extends Error {}

const MAX_BASE = 65535 - PORT_SPAN + 1;

export const USAGE = `Usage: pnpm dev:direct [options]     (or: node packages/dev-stack/dist/cli.js [options])

Starts every sample app from apps/*/dist, directly wired to each other (no mesh yet), with
Postgres and Redis from DATABASE_URL / REDIS_URL, else local servers, else embedded fallbacks.

Options:
  --port-base <n>   first port; the apps take n..n+${PORT_SPAN - 1} (default ${DEFAULT_PORT_BASE}, or DEV_PORT_BASE)
  --embedded        use the embedded Postgres (PGlite) and Redis stand-in even if servers answer
  --in-memory       keep the embedded Postgres in memory (default: .local-mesh/pglite, kept across runs)
  --root <dir>      workspace root holding apps/ (default: the one this tool lives in)
  -h, --help        show this help

Ports at the default base:
${DEV_SERVICES.map((s) => `  ${String(DEFAULT_PORT_BASE + s.offset).padEnd(6)}${s.name.padEnd(16)}${s.describe}`).join('\n')}
`;

function parsePortBase(raw: string, from: string): number {
  if (!/^\d+$/.test(raw.trim())) throw new UsageError(`${from} must be a whole number, got "${raw}": pass e.g. --port-base 18080`);
  const value = Number(raw);
  if (value < 1 || value > MAX_BASE) {
    throw new UsageError(`${from} must be between 1 and ${MAX_BASE} (the apps need ${PORT_SPAN} ports from it), got ${value}`);
  }
  return value;
}

export function parseDevArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): DevArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        'port-base': { type: 'string' },
        embedded: { type: 'boolean', default: false },
        'in-memory': { type: 'boolean', default: false },
        root: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    // parseArgs' messages are good but long; keep the first sentence and point at --help.
    const message = (error as Error).message.split('. ')[0]!.replace(/\.$/, '');
    throw new UsageError(`${message}: run with --help to see the options`);
  }
  const portBase =
    values['port-base'] !== undefined
      ? parsePortBase(values['port-base'], '--port-base')
      : env.DEV_PORT_BASE
        ? parsePortBase(env.DEV_PORT_BASE, 'DEV_PORT_BASE')
        : DEFAULT_PORT_BASE;
  return {
    portBase,
    embedded: values.embedded,
    inMemory: values['in-memory'],
    root: values.root,
    help: values.help,
  };
}
