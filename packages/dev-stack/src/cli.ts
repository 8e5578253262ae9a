#!/usr/bin/env node
/** Entry point of `pnpm dev:direct` (scripts/with-pnpm.mjs builds the apps, then runs this file). */
import { runDev } from './dev/run.js';

let code: number;
try {
  code = await runDev(process.argv.slice(2));
} catch (error) {
  // Expected failures are one line already; anything else keeps its stack for a bug report.
  process.stderr.write(`dev: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  code = 1;
}
// Let buffered output reach a pipe before leaving.
process.stdout.write('', () => process.exit(code));
