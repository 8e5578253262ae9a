/**
 * The command the production image runs, read from the Dockerfile's CMD. The memory bench starts
 * the appserver with exactly these Node flags, so what it measures is what a pod runs, and a test
 * holds the package's `start` script to the same command.
 */
import { readFileSync } from 'node:fs';

export interface NodeCommand {
  /** Options given to `node` before the entry script, e.g. `--max-semi-space-size=1`. */
  nodeFlags: string[];
  /** The script, relative to the package (`dist/main.js`). */
  entry: string;
}

const DOCKERFILE = new URL('../Dockerfile', import.meta.url);
const PACKAGE_JSON = new URL('../package.json', import.meta.url);

function nodeCommand(argv: string[], where: string): NodeCommand {
  const [program, ...rest] = argv;
  const entry = rest.at(-1);
  if (program !== 'node' || !entry || entry.startsWith('-')) {
    throw new Error(`${where} should run \`node [flags] <script>\`, found ${JSON.stringify(argv)}`);
  }
  return { nodeFlags: rest.slice(0, -1), entry };
}

/** The exec-form CMD (a JSON array) of the image's last stage. */
export function dockerCommand(dockerfile: string = readFileSync(DOCKERFILE, 'utf8')): NodeCommand {
  const cmd = dockerfile
    .split('\n')
    .filter((line) => /^CMD\s/.test(line))
    .at(-1);
  if (!cmd) throw new Error('the Dockerfile has no CMD');
  // Exec form only: a shell-form CMD would put sh in front of node and swallow SIGTERM.
  let argv: unknown;
  try {
    argv = JSON.parse(cmd.replace(/^CMD\s+/, ''));
  } catch {
    argv = undefined;
  }
  if (!Array.isArray(argv) || !argv.every((word): word is string => typeof word === 'string')) {
    throw new Error(`the Dockerfile's CMD should be a JSON array of strings: ${cmd}`);
  }
  return nodeCommand(argv, "the Dockerfile's CMD");
}

/** The package's `start` script, split on blanks (it holds no quoting). */
export function startScriptCommand(packageJson: string = readFileSync(PACKAGE_JSON, 'utf8')): NodeCommand {
  const start = (JSON.parse(packageJson) as { scripts?: Record<string, string> }).scripts?.start;
  if (!start) throw new Error('package.json has no start script');
  return nodeCommand(start.trim().split(/\s+/), 'the start script');
}
