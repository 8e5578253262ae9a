#!/usr/bin/env node
// Runs a workspace command with pnpm — the one on PATH when it is 10.26 or later, else the version
// pinned in package.json through npx — installing the dependencies first when they are missing or
// older than the lockfile. This is what lets the README's commands work through plain `npm run …`
// on a machine that has only Node and npm.
//
//   node scripts/with-pnpm.mjs <command> [args…]   → pnpm exec <command> [args…]
//   node scripts/with-pnpm.mjs dev | dev:direct | mesh | walkthrough [args…] → the workspace's entry points
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager.replace(/^pnpm@/, '');

/**
 * Entry points that are more than one pnpm call: build what they need, then run them. The apps
 * are workspace dependencies of @amw/local-mesh, so `--filter=@amw/local-mesh...` builds them too.
 */
const buildForLocalMesh = ['turbo', 'run', 'build', '--output-logs=errors-only', '--filter=@amw/local-mesh...'];
const compositeCommands = {
  dev: [buildForLocalMesh, ['node', 'packages/local-mesh/dist/cli/main.js', 'dev']],
  'dev:direct': [buildForLocalMesh, ['node', 'packages/local-mesh/dist/cli/direct.js']],
  // The mesh CLI runs from source so a learner's edit to a definition shows at once.
  mesh: [['node', '--conditions=@amw/source', '--import', 'tsx', 'packages/mesh-manifests/src/cli/main.ts']],
  walkthrough: [buildForLocalMesh, ['node', 'packages/local-mesh/dist/cli/main.js']],
};

/** The oldest pnpm this workspace's settings work with (pnpm-workspace.yaml's allowBuilds). */
const OLDEST_PNPM = [10, 26];

function supported(version) {
  const [major, minor] = version.split('.').map(Number);
  return major > OLDEST_PNPM[0] || (major === OLDEST_PNPM[0] && minor >= OLDEST_PNPM[1]);
}

/**
 * The pnpm to run: the one that started us or the one on PATH when it is recent enough (pnpm 12
 * is a native binary, so it is run as a program, never through Node), else the pinned version
 * through npx.
 */
function pnpmCommand() {
  const agent = /^pnpm\/(\d+\.\d+\.\d+)/.exec(process.env.npm_config_user_agent ?? '');
  const execPath = process.env.npm_execpath;
  if (agent && supported(agent[1]) && execPath) {
    return /\.[cm]?js$/.test(execPath) ? [process.execPath, execPath] : [execPath];
  }
  const onPath = spawnSync('pnpm', ['--version'], { encoding: 'utf8', shell: process.platform === 'win32' });
  if (onPath.status === 0 && supported(onPath.stdout.trim())) return ['pnpm'];
  return ['npx', '--yes', `pnpm@${pinned}`];
}

function needsInstall() {
  const marker = join(root, 'node_modules', '.modules.yaml');
  if (!existsSync(marker)) return true;
  return statSync(join(root, 'pnpm-lock.yaml')).mtimeMs > statSync(marker).mtimeMs;
}

function run(argv) {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
    // The terminal delivers Ctrl-C to the whole process group, so the child already has it: stay
    // alive until the child has finished stopping. SIGTERM is ours alone: forward it.
    const forward = (signal) => child.kill(signal);
    const ignore = () => {};
    process.on('SIGTERM', forward);
    process.on('SIGINT', ignore);
    child.on('exit', (code, signal) => {
      process.off('SIGTERM', forward);
      process.off('SIGINT', ignore);
      resolve(code ?? 128 + (constants.signals[signal] ?? 0));
    });
    child.on('error', (error) => {
      console.error(`could not start ${argv[0]}: ${error.message}`);
      resolve(127);
    });
  });
}

const args = process.argv.slice(2);
if (args.length === 0) {
  console.error('usage: node scripts/with-pnpm.mjs <command> [args…]');
  process.exit(2);
}
const pnpm = pnpmCommand();
if (needsInstall()) {
  console.error(`▸ installing dependencies with ${pnpm.join(' ')}…`);
  const code = await run([...pnpm, 'install', '--frozen-lockfile']);
  if (code !== 0) process.exit(code);
}
const steps = compositeCommands[args[0]]
  ? compositeCommands[args[0]].map((step, i, all) => (i === all.length - 1 ? [...step, ...args.slice(1)] : step))
  : [args];
for (const step of steps) {
  const argv = step[0] === 'node' ? [process.execPath, ...step.slice(1)] : [...pnpm, 'exec', ...step];
  const code = await run(argv);
  if (code !== 0) process.exit(code);
}
