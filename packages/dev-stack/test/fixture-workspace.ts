/**
 * Workspaces of fixture apps for the registry and `pnpm dev:direct` tests, laid out as pnpm lays
 * out ours: each app in `apps/<name>` with a `./main` and a `./launch` export, linked from the
 * root's `node_modules`, and named in the root package.json's dependencies.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AppLaunch } from '../src/app-registry/launch.js';
import type { Resolve } from '../src/app-registry/registry.js';

const service = fileURLToPath(new URL('./fixtures/service.mjs', import.meta.url));

export interface FixtureApp {
  /** Launch descriptor; absent: a plain library, which the registry must skip. */
  launch?: AppLaunch | string;
  /** Whether its entry exists (default: true). */
  built?: boolean;
}

/** Five processes from four apps, using every part of a descriptor `pnpm dev:direct` reads. */
export const FIXTURE_APPS: Record<string, FixtureApp> = {
  front: {
    launch: { direct: [{ name: 'front', offset: 0, describe: 'the page; calls api', env: { API_URL: { urlOf: 'api' } }, landing: 'front page' }] },
  },
  api: {
    launch: {
      postgres: { env: 'DATABASE_URL', database: 'appdb' },
      redis: { env: 'REDIS_URL' },
      direct: [{ name: 'api', offset: 1, describe: 'the API (Postgres, Redis)' }],
    },
  },
  relay: {
    launch: {
      direct: [{ name: 'relay', offset: 2, describe: 'calls left and right', env: { LEFT_URL: { urlOf: 'left', path: '/' }, RIGHT_URL: { urlOf: 'right', path: '/' } } }],
    },
  },
  echo: {
    launch: {
      controlPort: { env: 'CONTROL_PORT', tokenEnv: 'CONTROL_TOKEN' },
      direct: [
        { name: 'left', offset: 3, describe: 'echo, SIDE=left', env: { SIDE: 'left' } },
        { name: 'right', offset: 4, describe: 'echo, SIDE=right', env: { SIDE: 'right' } },
      ],
    },
  },
  library: {},
};

const roots: string[] = [];

export function fixtureWorkspace(apps: Record<string, FixtureApp> = FIXTURE_APPS): string {
  const root = mkdtempSync(join(tmpdir(), 'amw-dev-'));
  roots.push(root);
  const dependencies = Object.fromEntries(Object.keys(apps).map((name) => [`@fixture/${name}`, 'workspace:*']));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ type: 'module', dependencies }, null, 2));
  writeFileSync(join(root, 'resolve.mjs'), 'export const resolve = (specifier) => import.meta.resolve(specifier);\n');
  mkdirSync(join(root, 'node_modules', '@fixture'), { recursive: true });
  for (const [name, app] of Object.entries(apps)) {
    const dir = join(root, 'apps', name);
    mkdirSync(join(dir, 'dist'), { recursive: true });
    const exports = app.launch ? { './main': './dist/main.js', './launch': './launch.json' } : { '.': './dist/main.js' };
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `@fixture/${name}`, type: 'module', exports }, null, 2));
    if (app.launch) writeFileSync(join(dir, 'launch.json'), typeof app.launch === 'string' ? app.launch : JSON.stringify(app.launch, null, 2));
    if (app.built !== false) copyFileSync(service, join(dir, 'dist', 'main.js'));
    symlinkSync(join('..', '..', 'apps', name), join(root, 'node_modules', '@fixture', name), 'dir');
  }
  return root;
}

/** The workspace's own `import.meta.resolve`, as its package would pass it. */
export async function resolverOf(root: string): Promise<Resolve> {
  return ((await import(pathToFileURL(join(root, 'resolve.mjs')).href)) as { resolve: Resolve }).resolve;
}

export function removeFixtureWorkspaces(): void {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
}
