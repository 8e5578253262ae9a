/** The app registry: which dependencies are apps, what it resolves for them, and how it refuses a bad one. */
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseLaunch } from '../src/app-registry/launch.js';
import { appRegistry } from '../src/app-registry/registry.js';
import { AppRegistryError } from '../src/app-registry/registry-error.js';
import { devServices } from '../src/dev/services.js';
import { FIXTURE_APPS, fixtureWorkspace, removeFixtureWorkspaces, resolverOf } from './fixture-workspace.js';

afterAll(removeFixtureWorkspaces);

async function registryOf(root: string) {
  return appRegistry(pathToFileURL(join(root, 'package.json')), await resolverOf(root));
}

describe('appRegistry', () => {
  it('registers every workspace dependency that exports ./launch, under its unscoped name, from its real folder', async () => {
    const root = fixtureWorkspace();
    const registry = await registryOf(root);
    expect(registry.apps.map((a) => a.name).sort()).toEqual(['api', 'echo', 'front', 'relay']);
    const echo = registry.get('echo')!;
    const real = realpathSync(join(root, 'apps', 'echo'));
    expect(echo).toMatchObject({ packageName: '@fixture/echo', dir: real, entry: join(real, 'dist', 'main.js') });
    expect(echo.launch).toEqual(FIXTURE_APPS.echo!.launch);
    expect(registry.get('library')).toBeUndefined();
  });

  it('names an entry that is not built by its place in the app’s folder, not by the node_modules link', async () => {
    const root = fixtureWorkspace({ front: { ...FIXTURE_APPS.front, built: false } });
    expect((await registryOf(root)).get('front')!.entry).toBe(join(realpathSync(root), 'apps', 'front', 'dist', 'main.js'));
  });

  it('gives dev:direct every app’s processes in port order', async () => {
    const services = devServices(await registryOf(fixtureWorkspace()));
    expect(services.map((s) => [s.name, s.app.name, s.offset])).toEqual([
      ['front', 'front', 0],
      ['api', 'api', 1],
      ['relay', 'relay', 2],
      ['left', 'echo', 3],
      ['right', 'echo', 4],
    ]);
  });

  it('refuses a descriptor with an unknown key, a bad variable name or a bad offset, naming each', () => {
    expect(() => parseLaunch({ postgres: { env: 'DATABASE URL', database: 'x' }, direct: [{ name: 'a', offset: -1, describe: 'd', port: 1 }] }, 'launch.json')).toThrow(
      new AppRegistryError(
        'launch.json: postgres.env must be an environment variable name, got "DATABASE URL"; direct[0] has an unknown key "port" (allowed: name, offset, describe, env, landing); direct[0].offset must be a whole number, 0 or more',
      ),
    );
    expect(() => parseLaunch([], 'launch.json')).toThrow('launch.json: the descriptor must be an object');
  });

  it('refuses a control port without the variable its token goes in', () => {
    expect(() => parseLaunch({ controlPort: { env: 'CONTROL_PORT' } }, 'launch.json')).toThrow(new AppRegistryError('launch.json: controlPort.tokenEnv is missing'));
    expect(parseLaunch({ controlPort: { env: 'CONTROL_PORT', tokenEnv: 'CONTROL_TOKEN' } }, 'launch.json')).toEqual({
      controlPort: { env: 'CONTROL_PORT', tokenEnv: 'CONTROL_TOKEN' },
    });
  });
});
