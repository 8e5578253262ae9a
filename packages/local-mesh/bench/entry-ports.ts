/**
 * The benchmarks that start `pnpm dev` need every walkthrough's fixed entry ports: a `pnpm dev` or
 * `pnpm walkthrough up` already running would hold them and the figures would be of a failed start.
 */
import { createServer } from 'node:net';
import { localEntryPort, walkthroughs } from '@amw/mesh-manifests';
import { SettingError } from './settings.js';

/** The fixed entry ports of every walkthrough must be free: a `pnpm dev` already running would hold them. */
export async function checkPortsFree(): Promise<void> {
  for (const [position, walkthrough] of walkthroughs.entries()) {
    for (const entry of walkthrough.entries) {
      const port = localEntryPort(walkthrough, position, entry.name);
      const server = createServer();
      const taken = await new Promise<boolean>((resolveTaken) => {
        server.once('error', () => resolveTaken(true));
        server.listen(port, '127.0.0.1', () => server.close(() => resolveTaken(false)));
      });
      if (taken) {
        throw new SettingError(`port ${port} (${walkthrough.name}, entry ${entry.name}) is in use: is \`pnpm dev\` or \`pnpm walkthrough up\` running? Stop it first`);
      }
    }
  }
}

