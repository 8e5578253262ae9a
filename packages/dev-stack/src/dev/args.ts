/** The command line of `pnpm dev:direct`: every mistake is one line that says how to fix it. */
import { parseArgs } from 'node:util';
import { BindAddressError, LOOPBACK, parseBindAddress } from '../bind-address.js';
import { DEFAULT_PORT_BASE, portSpan, type DevService } from './services.js';

export interface DevArgs {
  readonly portBase: number;
  /** Where the apps listen: 127.0.0.1 unless `--bind-address` opens every interface. */
  readonly bindAddress: string;
  /** Use the embedded Postgres and Redis stand-in even when real servers answer. */
  readonly embedded: boolean;
  /** Keep the embedded Postgres in memory instead of `.local-mesh/pglite`. */
  readonly inMemory: boolean;
  readonly help: boolean;
}

export class UsageError extends Error {}

export function usage(services: readonly DevService[]): string {
  return `Usage: pnpm dev:direct [options]

Starts every registered app from its build, directly wired to each other (no mesh yet), with
Postgres and Redis from DATABASE_URL / REDIS_URL, else local servers, else embedded fallbacks.

Options:
  --port-base <n>       first port; the apps take n..n+${portSpan(services) - 1} (default ${DEFAULT_PORT_BASE}, or DEV_PORT_BASE)
  --embedded            use the embedded Postgres (PGlite) and Redis stand-in even if servers answer
  --in-memory           keep the embedded Postgres in memory (default: .local-mesh/pglite, kept across runs)
  --bind-address <ip>   where the apps listen: 127.0.0.1 (default: this machine only), or 0.0.0.0
                        or :: to let other machines call them (a warning says so)
  -h, --help            show this help

Ports at the default base:
${services.map((s) => `  ${String(DEFAULT_PORT_BASE + s.offset).padEnd(6)}${s.name.padEnd(16)}${s.describe}`).join('\n')}
`;
}

function parsePortBase(raw: string, from: string, span: number): number {
  const maxBase = 65535 - span + 1;
  if (!/^\d+$/.test(raw.trim())) throw new UsageError(`${from} must be a whole number, got "${raw}": pass e.g. --port-base 18080`);
  const value = Number(raw);
  if (value < 1 || value > maxBase) {
    throw new UsageError(`${from} must be between 1 and ${maxBase} (the apps need ${span} ports from it), got ${value}`);
  }
  return value;
}

/** `span`: how many ports the apps take from the base. */
export function parseDevArgs(argv: readonly string[], span: number, env: NodeJS.ProcessEnv = process.env): DevArgs {
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
        'bind-address': { type: 'string' },
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
      ? parsePortBase(values['port-base'], '--port-base', span)
      : env.DEV_PORT_BASE
        ? parsePortBase(env.DEV_PORT_BASE, 'DEV_PORT_BASE', span)
        : DEFAULT_PORT_BASE;
  let bindAddress = LOOPBACK;
  try {
    if (values['bind-address'] !== undefined) bindAddress = parseBindAddress(values['bind-address']);
  } catch (error) {
    if (error instanceof BindAddressError) throw new UsageError(error.message);
    throw error;
  }
  return {
    portBase,
    bindAddress,
    embedded: values.embedded,
    inMemory: values['in-memory'],
    help: values.help,
  };
}
