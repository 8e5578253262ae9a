/**
 * The apps this package runs: its workspace dependencies that export a launch descriptor
 * (`./launch`). Adding an app to `dependencies` is all it takes; the orchestrator and
 * `pnpm dev:direct` read everything else from the app's own descriptor.
 */
import { appRegistry, AppRegistryError, type AppRegistry, type RegisteredApp } from '@amw/dev-stack/apps';
import { isOurApp, type Component } from '@amw/mesh-manifests';

let registry: AppRegistry | undefined;

export function ourApps(): AppRegistry {
  // From src/ and from dist/ alike, the package.json is one folder up.
  return (registry ??= appRegistry(new URL('../package.json', import.meta.url), (specifier) => import.meta.resolve(specifier)));
}

/**
 * The registered app a workload's component runs; undefined for third-party components (Postgres,
 * Kong, …). An app of ours that nobody registered is an error, never a workload silently left out.
 */
export function appOf(apps: AppRegistry, component: Component): RegisteredApp | undefined {
  const app = apps.get(component);
  if (!app && isOurApp(component)) {
    throw new AppRegistryError(`the walkthrough runs ${component}, which no registered app provides: add its package to @amw/local-mesh's dependencies (pnpm --filter @amw/local-mesh add @amw/${component}@workspace:*)`);
  }
  return app;
}
