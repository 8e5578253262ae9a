import { ConfigError } from './config.js';

/**
 * Runs a service's main function; a configuration error becomes one readable message on stderr
 * and exit code 78 (EX_CONFIG) instead of a stack trace.
 */
export function runMain(name: string, main: () => Promise<unknown>): void {
  main().catch((error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`${name}: ${error.message}\n`);
      process.exit(78);
    }
    process.stderr.write(`${name}: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
