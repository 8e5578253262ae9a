/**
 * The apps reach the local mesh and `pnpm dev:direct` only through the registry: every app of
 * the workspace is registered (so adding one is a dependency and a descriptor, nothing else), the
 * registry starts them exactly as the tools did when they knew the apps by path, and no source
 * file of the tools names an app's folder or singles an app out by name.
 */
import { readFileSync, readdirSync, realpathSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { findRepoRoot } from '@amw/dev-stack';
import { devServices, type DevContext } from '@amw/dev-stack/dev';
import { OUR_APPS } from '@amw/mesh-manifests';
import { ourApps } from '../src/our-apps.js';

const root = findRepoRoot();
const appsDir = join(root, 'apps');
const appFolders = readdirSync(appsDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(appsDir, e.name));

describe('the app registry', () => {
  it('registers every app of the workspace, with the entry its package exports and its own folder', () => {
    const registry = ourApps();
    for (const folder of appFolders) {
      const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { name: string; exports: Record<string, unknown> };
      const app = registry.apps.find((a) => a.packageName === manifest.name);
      expect(app, `${manifest.name} is not registered: give it a ./launch export and add it to @amw/local-mesh's dependencies`).toBeDefined();
      expect(app!.dir).toBe(realpathSync(folder));
      expect(app!.entry).toBe(join(realpathSync(folder), manifest.exports['./main'] as string));
    }
    expect(registry.apps).toHaveLength(appFolders.length);
  });

  it('runs every app the walkthroughs use', () => {
    for (const app of OUR_APPS) expect(ourApps().get(app), app).toBeDefined();
  });

  it('starts pnpm dev:direct’s processes exactly as before: names, ports, folders and environment', () => {
    const offsets: Record<string, number> = { 'yelb-ui': 0, 'yelb-appserver': 1, dj: 2, jazz: 3, metal: 4, colorteller: 5 };
    const context: DevContext = { postgresUrl: 'postgres://postgres@127.0.0.1:5432/postgres', redisUrl: 'redis://127.0.0.1:6379', port: (name) => 8080 + offsets[name]! };
    const services = devServices(ourApps());
    expect(services.map((s) => ({ name: s.name, offset: s.offset, describe: s.describe, folder: relative(root, s.app.dir), env: s.env(context) }))).toEqual([
      {
        name: 'yelb-ui',
        offset: 0,
        describe: 'Yelb page; /api goes to yelb-appserver',
        folder: join('apps', 'yelb-ui'),
        env: { YELB_APPSERVER_ENDPOINT: 'http://127.0.0.1:8081' },
      },
      {
        name: 'yelb-appserver',
        offset: 1,
        describe: 'Yelb API (Postgres database yelbdatabase, Redis)',
        folder: join('apps', 'yelb-appserver'),
        env: { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/yelbdatabase', REDIS_URL: 'redis://127.0.0.1:6379' },
      },
      {
        name: 'dj',
        offset: 2,
        describe: 'DJ; calls jazz and metal directly',
        folder: join('apps', 'dj'),
        env: { JAZZ_URL: 'http://127.0.0.1:8083/', METAL_URL: 'http://127.0.0.1:8084/' },
      },
      { name: 'jazz', offset: 3, describe: 'music service, GENRE=jazz VERSION=v1', folder: join('apps', 'music'), env: { GENRE: 'jazz', VERSION: 'v1' } },
      { name: 'metal', offset: 4, describe: 'music service, GENRE=metal VERSION=v1', folder: join('apps', 'music'), env: { GENRE: 'metal', VERSION: 'v1' } },
      { name: 'colorteller', offset: 5, describe: 'ColorTeller, COLOR=blue', folder: join('apps', 'colorteller'), env: { COLOR: 'blue' } },
    ]);
    expect(services.filter((s) => s.landing).map((s) => [s.name, s.landing])).toEqual([['yelb-ui', 'Yelb UI']]);
    expect(services.map((s) => relative(root, s.app.entry))).toEqual([
      join('apps', 'yelb-ui', 'dist', 'server', 'main.js'),
      ...['yelb-appserver', 'dj', 'music', 'music', 'colorteller'].map((app) => join('apps', app, 'dist', 'main.js')),
    ]);
  });
});

/** Every TypeScript and JavaScript source file under a folder. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.(ts|mts|js|mjs)$/.test(entry.name) ? [path] : [];
  });
}

/** The text of every string and template literal in a file: what the code can act on (comments may still give an app as an example). */
function literals(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) found.push(node.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('the tools that run the apps know them only through the registry', () => {
  const toolSources = ['packages/local-mesh/src', 'packages/dev-stack/src'].flatMap((dir) => sources(join(root, dir)));
  // The component names and every process name a descriptor gives pnpm dev:direct (jazz, metal, …).
  const appNames = [...new Set([...ourApps().apps.map((a) => a.name), ...devServices(ourApps()).map((s) => s.name)])];

  it('finds the sources and the names it looks for', () => {
    expect(toolSources.length).toBeGreaterThan(40);
    expect(appNames).toEqual(expect.arrayContaining(['yelb-ui', 'jazz']));
  });

  it.each(['packages/local-mesh/src', 'packages/dev-stack/src'])('no file under %s names the apps folder', (dir) => {
    const offenders = sources(join(root, dir)).filter((file) => /(^|[^\w-])apps\//.test(readFileSync(file, 'utf8')));
    expect(offenders.map((f) => relative(root, f)), 'resolve the app through the registry instead of joining its path').toEqual([]);
  });

  it('no file singles an app out by name', () => {
    const offenders = toolSources.flatMap((file) =>
      literals(file)
        .filter((text) => appNames.some((name) => new RegExp(`(^|[^a-z0-9-])${name}([^a-z0-9-]|$)`).test(text)))
        .map((text) => `${relative(root, file)}: ${JSON.stringify(text)}`),
    );
    expect(offenders, 'say what the app needs in its launch.json instead of testing for its name').toEqual([]);
  });
});
