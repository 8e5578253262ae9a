/** Running the `pnpm dev:direct` CLI from source in tests, and reading the table it prints. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEV_SERVICES } from '../src/dev/services.js';
import { spawnCollecting, type Spawned } from './helpers.js';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Spawned {
  return spawnCollecting(process.execPath, ['--conditions=@amw/source', '--import', 'tsx', cli, ...args], {
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
}

export interface TableRow {
  name: string;
  url: string;
  pid: number;
}

/** Waits for the "ready" table and returns its rows. */
export async function waitForTable(run: Spawned): Promise<TableRow[]> {
  await run.waitFor(/Open the Yelb UI at http:\/\/127\.0\.0\.1:\d+/, 180_000);
  const rows = [...run.output().matchAll(/^ {2}(\S+)\s+(http:\/\/127\.0\.0\.1:\d+)\s+(\d+)\s/gm)];
  return rows.map(([, name, url, pid]) => ({ name: name!, url: url!, pid: Number(pid) }));
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function pnpm(): string[] {
  const execpath = process.env.npm_execpath;
  return execpath && /pnpm/.test(execpath) ? [process.execPath, execpath] : ['pnpm'];
}

/**
 * Makes sure every app `pnpm dev:direct` starts is built and not older than its source, building the
 * ones that are not (with their workspace dependencies). Returns why it cannot, when an app does
 * not exist at all.
 */
export function ensureAppsBuilt(root: string): string | undefined {
  const apps = [...new Set(DEV_SERVICES.map((s) => s.app))];
  const missing = apps.filter((app) => !existsSync(join(root, 'apps', app, 'package.json')));
  if (missing.length > 0) return `apps not in the workspace yet: ${missing.join(', ')}`;
  const kitBuilt = existsSync(join(root, 'packages', 'service-kit', 'dist', 'index.js'));
  const stale = DEV_SERVICES.filter((s) => {
    const dir = join(root, 'apps', s.app);
    const entry = join(dir, s.entry);
    return !kitBuilt || !existsSync(entry) || newestMtime(join(dir, 'src')) > statSync(entry).mtimeMs;
  });
  const names = [...new Set(stale.map((s) => JSON.parse(readFileSync(join(root, 'apps', s.app, 'package.json'), 'utf8')).name as string))];
  if (names.length === 0) return undefined;
  const [command, ...prefix] = pnpm();
  const filters = names.flatMap((name) => ['--filter', `${name}...`]);
  process.stderr.write(`building ${names.join(', ')} for the dev end-to-end test…\n`);
  const result = spawnSync(command!, [...prefix, ...filters, 'build'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`building ${names.join(', ')} failed (exit ${result.status}): see the output above`);
  return undefined;
}
