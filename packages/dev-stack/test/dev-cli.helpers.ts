/** Running the `pnpm dev:direct` runner over a fixture workspace in tests, and reading the table it prints. */
import { fileURLToPath } from 'node:url';
import { spawnCollecting, type Spawned } from './helpers.js';

const cli = fileURLToPath(new URL('./fixtures/direct-cli.ts', import.meta.url));
// By URL: `--import tsx` would be looked up from the fixture workspace, which has no tsx.
const tsx = import.meta.resolve('tsx');

/** Runs in the workspace's root, as `pnpm dev:direct` runs in the repository's. */
export function runCli(workspace: string, args: string[], env: NodeJS.ProcessEnv = {}): Spawned {
  return spawnCollecting(process.execPath, ['--conditions=@amw/source', '--import', tsx, cli, ...args], {
    cwd: workspace,
    env: { ...process.env, NO_COLOR: '1', FIXTURE_WORKSPACE: workspace, ...env },
  });
}

export interface TableRow {
  name: string;
  url: string;
  pid: number;
}

/** Waits for the "ready" table and returns its rows. */
export async function waitForTable(run: Spawned): Promise<TableRow[]> {
  await run.waitFor(/Open the .+ at http:\/\/127\.0\.0\.1:\d+/, 180_000);
  const rows = [...run.output().matchAll(/^ {2}(\S+)\s+(http:\/\/127\.0\.0\.1:\d+)\s+(\d+)\s/gm)];
  return rows.map(([, name, url, pid]) => ({ name: name!, url: url!, pid: Number(pid) }));
}
