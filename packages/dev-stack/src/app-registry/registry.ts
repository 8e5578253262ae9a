/**
 * The apps a package runs: every workspace dependency of it whose package exports `./launch`.
 * Declaring the apps as dependencies is what lets pnpm link them and turbo's `^build` build them
 * first; resolving their `./main` and `./launch` exports, rather than joining folder names, is
 * what keeps the tools that run them free of where they live.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseLaunch, type AppLaunch } from './launch.js';
import { AppRegistryError } from './registry-error.js';

export interface RegisteredApp {
  /** The package name without its scope, which is also the component name the mesh definitions use. */
  readonly name: string;
  readonly packageName: string;
  /** The package's folder. */
  readonly dir: string;
  /** The file its `./main` export names (the built entry point), whether or not it is built yet. */
  readonly entry: string;
  readonly launch: AppLaunch;
}

/**
 * `import.meta.resolve` of the package whose dependencies the apps are: only that package's
 * `node_modules` can see them, so it resolves on the registry's behalf.
 */
export type Resolve = (specifier: string) => string;

export class AppRegistry {
  private readonly byName = new Map<string, RegisteredApp>();

  constructor(readonly apps: readonly RegisteredApp[]) {
    for (const app of apps) {
      const other = this.byName.get(app.name);
      if (other) throw new AppRegistryError(`${other.packageName} and ${app.packageName} are both registered as "${app.name}"`);
      this.byName.set(app.name, app);
    }
  }

  get(name: string): RegisteredApp | undefined {
    return this.byName.get(name);
  }
}

/**
 * An entry that is not built yet resolves through pnpm's `node_modules` link; named by its real
 * place, a "not built" message points at the app's own folder.
 */
function realPath(path: string): string {
  if (existsSync(path)) return realpathSync(path);
  const parent = dirname(path);
  return parent === path ? path : join(realPath(parent), basename(path));
}

function notExported(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ERR_PACKAGE_PATH_NOT_EXPORTED';
}

function register(packageName: string, resolve: Resolve): RegisteredApp | undefined {
  let launchFile: string;
  try {
    launchFile = realPath(fileURLToPath(resolve(`${packageName}/launch`)));
  } catch (error) {
    if (notExported(error)) return undefined;
    throw error;
  }
  let entry: string;
  try {
    entry = realPath(fileURLToPath(resolve(`${packageName}/main`)));
  } catch (error) {
    if (!notExported(error)) throw error;
    throw new AppRegistryError(`${packageName} exports ./launch but not ./main: add "./main": "./dist/main.js" (its built entry point) to its exports`);
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(launchFile, 'utf8'));
  } catch (error) {
    throw new AppRegistryError(`${launchFile}: ${(error as Error).message}`);
  }
  return { name: packageName.replace(/^@[^/]+\//, ''), packageName, dir: dirname(launchFile), entry, launch: parseLaunch(json, launchFile) };
}

/** The apps among the workspace dependencies that the package.json at `manifest` declares. */
export function appRegistry(manifest: URL, resolve: Resolve): AppRegistry {
  const { dependencies = {} } = JSON.parse(readFileSync(manifest, 'utf8')) as { dependencies?: Record<string, string> };
  const workspacePackages = Object.entries(dependencies)
    .filter(([, specifier]) => specifier.startsWith('workspace:'))
    .map(([name]) => name);
  return new AppRegistry(workspacePackages.flatMap((name) => register(name, resolve) ?? []));
}
