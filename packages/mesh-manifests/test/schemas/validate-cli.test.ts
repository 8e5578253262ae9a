/**
 * `pnpm mesh validate` in a clone that has no CRDs: it downloads the pinned files (here from a
 * local stand-in for GitHub serving the test CRD folder under upstream's paths), validates every
 * rendered object, and the next run reads the cache with no network at all. Offline with nothing
 * cached it prints one line and exits 2. Also: the pinned list is exactly the files of that folder.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { repositoryRoot } from '../../src/cli/context.js';
import { runCli } from '../../src/cli/main.js';
import { ALL_SCHEMA_SETS } from '../../src/validate/crds.js';
import { schemaCacheRoot, sha256 } from '../../src/validate/schema-cache.js';
import { DEFAULT_SCHEMA_BASE_URL, SCHEMA_SOURCES, sourceUrl } from '../../src/validate/schema-sources.js';
import { describeWithCrds } from '../crd-schemas.js';
import { startFakeUpstream, unreachableBaseUrl, type ServedFile } from './fake-upstream.js';

function capture(root: string) {
  const out: string[] = [];
  const err: string[] = [];
  return { context: { root, out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

let scratch: string;
let cacheHome: string;

beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'mesh-validate-cli-'));
  cacheHome = join(scratch, 'cache');
  // A user's clone: no schemas folder named, an empty cache of their own.
  vi.stubEnv('AMW_SCHEMAS_DIR', '');
  vi.stubEnv('XDG_CACHE_HOME', cacheHome);
});
afterEach(() => {
  vi.unstubAllEnvs();
  rmSync(scratch, { recursive: true, force: true });
});

describe('validate with no CRDs and no network', () => {
  it('prints one line naming the missing CRDs, the URL tried and --schemas, and exits 2', async () => {
    const root = join(scratch, 'repo');
    mkdirSync(join(root, 'k8s/demo'), { recursive: true });
    const mesh = 'apiVersion: appmesh.k8s.aws/v1beta2\nkind: Mesh\nmetadata:\n  name: demo\nspec: {}\n';
    writeFileSync(join(root, 'k8s/demo/mesh.yaml'), `${mesh}---\n${mesh.replace('name: demo', 'name: other')}`);
    const offline = await unreachableBaseUrl();
    vi.stubEnv('AMW_SCHEMAS_BASE_URL', offline);

    const run = capture(root);
    expect(await runCli(['validate'], run.context)).toBe(2);
    expect(run.out).toEqual([]);
    expect(run.err).toHaveLength(1);
    const pinned = SCHEMA_SOURCES.find((s) => s.set === 'appmesh-crds')!;
    expect(run.err[0]).toBe(
      `App Mesh controller CRDs are not cached in ${schemaCacheRoot(cacheHome)}, and ${sourceUrl(offline, pinned, pinned.files[0]!)} could not be downloaded (connect ECONNREFUSED ${offline.replace('http://', '')}); nothing was cached — pass --schemas DIR naming a folder with appmesh-crds/ in it`,
    );
  });

  it('names the folder when --schemas lacks a set the objects need, and exits 2', async () => {
    const root = join(scratch, 'repo');
    mkdirSync(join(root, 'k8s/demo'), { recursive: true });
    writeFileSync(join(root, 'k8s/demo/vs.yaml'), 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: demo\nspec: {}\n');
    const empty = join(scratch, 'empty');
    mkdirSync(empty);

    const run = capture(root);
    expect(await runCli(['validate', '--schemas', empty], run.context)).toBe(2);
    expect(run.err).toEqual([expect.stringMatching(/^--schemas .*empty has no istio-crds\/: name a folder with istio-crds\/ in it, or set neither --schemas nor AMW_SCHEMAS_DIR/)]);
  });
});

describeWithCrds('the pinned CRD list', ALL_SCHEMA_SETS, (directory) => {
  it.each(SCHEMA_SOURCES.map((pinned) => [pinned.set, pinned] as const))('%s: the test folder holds exactly the pinned files, each with its pinned sha256', (set, pinned) => {
    const yaml = readdirSync(join(directory, set)).filter((f) => /\.ya?ml$/.test(f));
    expect(yaml.sort()).toEqual(pinned.files.map((f) => f.file).sort());
    for (const f of pinned.files) expect(sha256(readFileSync(join(directory, set, f.file))), f.file).toBe(f.sha256);
  });

  it('fetches each from raw.githubusercontent.com at its pinned commit, App Mesh under its upstream name', () => {
    const appmesh = SCHEMA_SOURCES.find((s) => s.set === 'appmesh-crds')!;
    expect(sourceUrl(DEFAULT_SCHEMA_BASE_URL, appmesh, appmesh.files.find((f) => f.file === 'meshes.yaml')!)).toBe(
      'https://raw.githubusercontent.com/aws/aws-app-mesh-controller-for-k8s/7588d122c3c45e1f873d7d016a30922f049764bf/config/crd/bases/appmesh.k8s.aws_meshes.yaml',
    );
    for (const pinned of SCHEMA_SOURCES) {
      expect(pinned.commit).toMatch(/^[0-9a-f]{40}$/);
      for (const f of pinned.files) expect(f.path.endsWith(pinned.set === 'appmesh-crds' ? `/appmesh.k8s.aws_${f.file}` : `/${f.file}`), f.path).toBe(true);
    }
  });
});

describeWithCrds('validate in a clone with no CRDs, online', ALL_SCHEMA_SETS, (directory) => {
  it('downloads and checks every pinned file, validates every rendered object, then validates again from the cache offline', async () => {
    const root = join(scratch, 'repo');
    mkdirSync(join(root, 'docs'), { recursive: true });
    cpSync(join(repositoryRoot(), 'docs/walkthroughs'), join(root, 'docs/walkthroughs'), { recursive: true });
    expect(await runCli(['render'], capture(root).context)).toBe(0);

    const served = new Map<string, ServedFile>();
    for (const pinned of SCHEMA_SOURCES) {
      for (const f of pinned.files) served.set(new URL(sourceUrl('http://x', pinned, f)).pathname, { content: readFileSync(join(directory, pinned.set, f.file)) });
    }
    const upstream = await startFakeUpstream(served);
    vi.stubEnv('AMW_SCHEMAS_BASE_URL', upstream.baseUrl);
    try {
      const online = capture(root);
      expect(await runCli(['validate'], online.context)).toBe(0);
      expect(online.out.at(-1)).toMatch(/^\d+ objects valid$/);
      expect(upstream.requests).toHaveLength(served.size);
      expect(online.err.filter((l) => l.startsWith('downloaded '))).toHaveLength(served.size);
      expect(online.err.at(-1)).toMatch(/: every file matched its pinned sha256; cached in /);
    } finally {
      await upstream.close();
    }

    const offline = capture(root);
    expect(await runCli(['validate'], offline.context)).toBe(0);
    expect(offline.err).toEqual([]);
    expect(offline.out.at(-1)).toMatch(/^\d+ objects valid$/);
    // Rendering every walkthrough and compiling every CRD twice: seconds alone, more on a shared CI machine.
  }, 120_000);
});
