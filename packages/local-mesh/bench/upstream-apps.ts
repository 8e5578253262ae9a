/**
 * The two upstreams the sidecar benchmarks measure behind a sidecar pair: the real ColorTeller
 * app, as the walkthroughs run it (its built entry point, wherever the workspace keeps it), and a
 * trivial `node:http` server that costs next to nothing, so the proxy's own share shows.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startNode, waitUntilReady } from './processes.js';

export type AppName = 'colorteller' | 'trivial';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(packageDir, '../..');
export const COLORTELLER_MAIN = fileURLToPath(import.meta.resolve('@amw/colorteller/main'));
const TRIVIAL_MAIN = join(packageDir, 'bench/trivial-upstream.ts');

/** Starts both (stopped with the benchmark's other children by `stopAll`) and resolves their ports once they answer. */
export async function startUpstreamApps(appLogLevel: string): Promise<Record<AppName, number>> {
  const ports: Record<AppName, number> = { colorteller: await freePort(), trivial: await freePort() };
  const colorteller = startNode('colorteller', [COLORTELLER_MAIN], { PORT: String(ports.colorteller), COLOR: 'blue', LOG_LEVEL: appLogLevel }, repoRoot);
  const trivial = startNode('trivial-upstream', ['--import', 'tsx', TRIVIAL_MAIN], { BENCH_PORT: String(ports.trivial) }, packageDir);
  await waitUntilReady(colorteller, `http://127.0.0.1:${ports.colorteller}/ping`);
  await waitUntilReady(trivial, `http://127.0.0.1:${ports.trivial}/`);
  return ports;
}
