/**
 * Turns supervisor events into terminal lines: each child's output behind its name in a stable
 * colour (`dj          | …`), and the supervisor's own notes behind the same name with a `▸`, so
 * a reader can tell "the service said" from "the supervisor says".
 */
import { colourCode, colourEnabled, paint } from './colour.js';
import type { SupervisorEvent } from './supervise.js';

export interface ReporterOptions {
  /** The group's names, in order: they fix the prefix width and each name's colour. */
  names: readonly string[];
  write?: (text: string) => void;
  /** Default: on when stdout is a terminal and NO_COLOR is unset. */
  colour?: boolean;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

export function createConsoleReporter(options: ReporterOptions): (event: SupervisorEvent) => void {
  const write = options.write ?? ((text: string) => void process.stdout.write(text));
  const colour = options.colour ?? colourEnabled(process.stdout);
  const width = Math.max(0, ...options.names.map((name) => name.length));
  const prefix = (name: string, mark: string) => paint(`${name.padEnd(width)} ${mark}`, colourCode(name, options.names), colour);
  const note = (name: string, text: string) => write(`${prefix(name, '▸')} ${text}\n`);

  let stopping = false;
  return (event) => {
    switch (event.type) {
      case 'output':
        write(`${prefix(event.name, '|')} ${event.line}\n`);
        break;
      case 'spawned':
        note(event.name, `started (pid ${event.pid}): ${event.command}`);
        break;
      case 'waiting':
        note(
          event.name,
          event.elapsedMs < 100
            ? `waiting for ${event.target}`
            : `still waiting for ${event.target} (${seconds(event.elapsedMs)}${event.reason ? `, last: ${event.reason}` : ''})`,
        );
        break;
      case 'ready':
        note(event.name, `ready after ${seconds(event.elapsedMs)}`);
        break;
      case 'killed':
        note(event.name, `did not stop within ${seconds(event.afterMs)} of SIGTERM: sent SIGKILL`);
        break;
      case 'exited': {
        const how = event.signal ? `signal ${event.signal}` : `code ${event.code}`;
        note(event.name, `exited (${how})${event.expected ? '' : ' on its own'}`);
        break;
      }
      case 'restarting':
        note(event.name, `starting it again in ${seconds(event.delayMs)} (restart ${event.restarts})`);
        break;
      case 'signal':
        if (stopping) write(`received ${event.signal} again: killing everything at once\n`);
        break;
      case 'stopping':
        stopping = true;
        write(`stopping everything (${event.reason}); a second Ctrl-C kills at once\n`);
        break;
    }
  };
}
