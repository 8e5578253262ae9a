/**
 * The whole `pnpm dev:direct` process for a package that knows the apps: load them, run, exit
 * with the code. Expected failures are one line; anything else keeps its stack for a bug report.
 */
import type { AppRegistry } from '../app-registry/registry.js';
import { AppRegistryError } from '../app-registry/registry-error.js';
import { runDev } from './run.js';
import { devServices } from './services.js';

export async function devMain(argv: readonly string[], loadApps: () => AppRegistry): Promise<never> {
  let code: number;
  try {
    code = await runDev(argv, devServices(loadApps()));
  } catch (error) {
    if (error instanceof AppRegistryError) {
      process.stderr.write(`dev: ${error.message}\n`);
      code = 1;
    } else {
      process.stderr.write(`dev: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      code = 1;
    }
  }
  // Let buffered output reach a pipe before leaving.
  return new Promise<never>(() => process.stdout.write('', () => process.exit(code)));
}
