/**
 * How the validator finds its CRDs: a named folder alone; else the per-user cache, read without
 * the network; else the pinned files downloaded from a local stand-in for GitHub, each checked
 * against its sha256 and cached only when every file passed. A wrong hash, a transfer that broke
 * off and no network each end in one line, with nothing cached.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCrdValidatorFrom } from '../../src/validate/crds.js';
import { schemaCacheRoot, sha256, userCacheHome } from '../../src/validate/schema-cache.js';
import { locateSchemas, namedSchemasFolder, type SchemaLookup } from '../../src/validate/schema-location.js';
import type { PinnedSet } from '../../src/validate/schema-sources.js';
import { SchemasUnavailableError } from '../../src/validate/schemas-unavailable.js';
import { startFakeUpstream, unreachableBaseUrl, type FakeUpstream, type ServedFile } from './fake-upstream.js';

/** A CRD small enough to read in a test, with one string field so a validator built from it means something. */
function crd(group: string, kind: string, version: string): Uint8Array {
  return Buffer.from(
    [
      'apiVersion: apiextensions.k8s.io/v1',
      'kind: CustomResourceDefinition',
      'spec:',
      `  group: ${group}`,
      `  names: { kind: ${kind} }`,
      '  versions:',
      `    - name: ${version}`,
      '      served: true',
      '      schema:',
      '        openAPIV3Schema: { type: object, properties: { spec: { type: object, properties: { color: { type: string } } } } }',
      '',
    ].join('\n'),
  );
}

const MESH = crd('appmesh.k8s.aws', 'Mesh', 'v1beta2');
const NODE = crd('appmesh.k8s.aws', 'VirtualNode', 'v1beta2');
const ISTIO = crd('networking.istio.io', 'VirtualService', 'v1');

const SOURCES: PinnedSet[] = [
  {
    set: 'appmesh-crds',
    repository: 'example/appmesh-controller',
    commit: 'a'.repeat(40),
    release: 'test',
    files: [
      { path: 'config/crd/bases/appmesh.k8s.aws_meshes.yaml', file: 'meshes.yaml', sha256: sha256(MESH) },
      { path: 'config/crd/bases/appmesh.k8s.aws_virtualnodes.yaml', file: 'virtualnodes.yaml', sha256: sha256(NODE) },
    ],
  },
  {
    set: 'istio-crds',
    repository: 'example/istio-api',
    commit: 'b'.repeat(40),
    release: 'test',
    files: [{ path: 'kubernetes/customresourcedefinitions.gen.yaml', file: 'customresourcedefinitions.gen.yaml', sha256: sha256(ISTIO) }],
  },
];

const MESH_PATH = `/example/appmesh-controller/${'a'.repeat(40)}/config/crd/bases/appmesh.k8s.aws_meshes.yaml`;
const NODE_PATH = `/example/appmesh-controller/${'a'.repeat(40)}/config/crd/bases/appmesh.k8s.aws_virtualnodes.yaml`;
const ISTIO_PATH = `/example/istio-api/${'b'.repeat(40)}/kubernetes/customresourcedefinitions.gen.yaml`;

function upstreamFiles(overrides: Record<string, ServedFile> = {}): Map<string, ServedFile> {
  return new Map(Object.entries({ [MESH_PATH]: { content: MESH }, [NODE_PATH]: { content: NODE }, [ISTIO_PATH]: { content: ISTIO }, ...overrides }));
}

let scratch: string;
let cacheHome: string;
let upstream: FakeUpstream | undefined;
let progress: string[];

beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'mesh-schemas-'));
  cacheHome = join(scratch, 'cache');
  progress = [];
});
afterEach(async () => {
  await upstream?.close();
  upstream = undefined;
  rmSync(scratch, { recursive: true, force: true });
});

async function serve(files = upstreamFiles()): Promise<FakeUpstream> {
  upstream = await startFakeUpstream(files);
  return upstream;
}

function lookup(baseUrl: string, extra: Partial<SchemaLookup> = {}): SchemaLookup {
  return { sets: ['appmesh-crds', 'istio-crds'], cacheHome, baseUrl, sources: SOURCES, progress: (line) => progress.push(line), ...extra };
}

async function failure(promise: Promise<unknown>): Promise<SchemasUnavailableError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SchemasUnavailableError);
  return error as SchemasUnavailableError;
}

/** What the cache holds, staging folders included: after a failed download it must be nothing. */
function cacheEntries(): string[] {
  const root = schemaCacheRoot(cacheHome);
  return existsSync(root) ? readdirSync(root) : [];
}

describe('lookup order', () => {
  it('downloads what is neither named nor cached, one progress line per file, into <cache>/app-mesh-workshops/crds/<set>@<commit>', async () => {
    const server = await serve();
    const located = await locateSchemas(lookup(server.baseUrl));

    expect(server.requests).toEqual([MESH_PATH, NODE_PATH, ISTIO_PATH]);
    const root = join(cacheHome, 'app-mesh-workshops', 'crds');
    expect(located.folders).toEqual({ 'appmesh-crds': join(root, `appmesh-crds@${'a'.repeat(12)}`), 'istio-crds': join(root, `istio-crds@${'b'.repeat(12)}`) });
    expect(located.origins).toEqual({ 'appmesh-crds': 'download', 'istio-crds': 'download' });
    expect(readFileSync(join(root, `appmesh-crds@${'a'.repeat(12)}`, 'meshes.yaml'))).toEqual(Buffer.from(MESH));
    expect(cacheEntries().sort()).toEqual([`appmesh-crds@${'a'.repeat(12)}`, `istio-crds@${'b'.repeat(12)}`]);
    expect(progress).toHaveLength(4);
    expect(progress[0]).toBe(`downloaded 1/3 appmesh-crds/meshes.yaml (${MESH.length} bytes, sha256 as pinned) from ${server.baseUrl}${MESH_PATH}`);
    expect(progress[3]).toMatch(/^App Mesh controller CRDs and Istio CRDs: every file matched its pinned sha256; cached in /);

    const crds = loadCrdValidatorFrom(located.folders);
    expect(crds.validate({ apiVersion: 'appmesh.k8s.aws/v1beta2', kind: 'Mesh', metadata: { name: 'm' }, spec: { color: 'blue' } })).toEqual([]);
    expect(crds.validate({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'v' }, spec: { colour: 'blue' } })).toEqual([
      '/spec must NOT have additional properties: colour',
    ]);
  });

  it('reads a cached set without the network', async () => {
    await locateSchemas(lookup((await serve()).baseUrl));
    progress = [];
    const offline = await unreachableBaseUrl();

    const located = await locateSchemas(lookup(offline));
    expect(located.origins).toEqual({ 'appmesh-crds': 'cache', 'istio-crds': 'cache' });
    expect(progress).toEqual([]);
  });

  it('downloads only the sets the objects need, and only those missing from the cache', async () => {
    const server = await serve();
    await locateSchemas(lookup(server.baseUrl, { sets: ['istio-crds'] }));
    expect(server.requests).toEqual([ISTIO_PATH]);

    const located = await locateSchemas(lookup(server.baseUrl));
    expect(server.requests).toEqual([ISTIO_PATH, MESH_PATH, NODE_PATH]);
    expect(located.origins).toEqual({ 'appmesh-crds': 'download', 'istio-crds': 'cache' });
  });

  it('downloads a cached set again when a file in it no longer has its pinned hash', async () => {
    const server = await serve();
    const first = await locateSchemas(lookup(server.baseUrl, { sets: ['appmesh-crds'] }));
    writeFileSync(join(first.folders['appmesh-crds']!, 'meshes.yaml'), 'edited\n');
    progress = [];

    const again = await locateSchemas(lookup(server.baseUrl, { sets: ['appmesh-crds'] }));
    expect(again.origins).toEqual({ 'appmesh-crds': 'download' });
    expect(progress[0]).toMatch(/appmesh-crds@a{12} does not hold the pinned files: downloading them again$/);
    expect(readFileSync(join(again.folders['appmesh-crds']!, 'meshes.yaml'))).toEqual(Buffer.from(MESH));
  });

  it('uses a named folder alone: neither the cache nor the network is touched', async () => {
    const server = await serve();
    await locateSchemas(lookup(server.baseUrl));
    const requests = server.requests.length;
    const named = join(scratch, 'named');
    for (const set of ['appmesh-crds', 'istio-crds']) mkdirSync(join(named, set), { recursive: true });

    const located = await locateSchemas(lookup(server.baseUrl, { folder: { path: named, namedBy: '--schemas' } }));
    expect(located.folders).toEqual({ 'appmesh-crds': join(named, 'appmesh-crds'), 'istio-crds': join(named, 'istio-crds') });
    expect(located.origins).toEqual({ 'appmesh-crds': 'named folder', 'istio-crds': 'named folder' });
    expect(server.requests).toHaveLength(requests);
  });

  it('refuses a named folder that lacks a needed set, in one line, instead of falling back to the cache', async () => {
    const server = await serve();
    const named = join(scratch, 'named');
    mkdirSync(join(named, 'appmesh-crds'), { recursive: true });

    const error = await failure(locateSchemas(lookup(server.baseUrl, { folder: { path: named, namedBy: 'AMW_SCHEMAS_DIR' } })));
    expect(error.message).toBe(
      `AMW_SCHEMAS_DIR ${named} has no istio-crds/: name a folder with appmesh-crds/ and istio-crds/ in it, or set neither --schemas nor AMW_SCHEMAS_DIR to use the pinned upstream CRDs (downloaded once, then cached)`,
    );
    const missing = await failure(locateSchemas(lookup(server.baseUrl, { folder: { path: join(scratch, 'nope'), namedBy: '--schemas' } })));
    expect(missing.message).toMatch(/^--schemas .*nope is not a folder: /);
    expect(server.requests).toEqual([]);
  });

  it('looks nothing up when no object needs a CRD', async () => {
    expect(await locateSchemas(lookup(await unreachableBaseUrl(), { sets: [] }))).toEqual({ folders: {}, origins: {} });
  });
});

describe('a download that fails caches nothing', () => {
  it('refuses a file whose sha256 differs, showing both hashes', async () => {
    const tampered = Buffer.from(`${Buffer.from(NODE).toString()}# one line more\n`);
    const server = await serve(upstreamFiles({ [NODE_PATH]: { content: tampered } }));

    const error = await failure(locateSchemas(lookup(server.baseUrl)));
    expect(error.message).toContain(`${server.baseUrl}${NODE_PATH} was refused: its sha256 is ${sha256(tampered)}, but ${sha256(NODE)} is pinned; nothing was cached`);
    expect(error.message).not.toContain('\n');
    expect(cacheEntries()).toEqual([]);
  });

  it('refuses a file cut short that looks whole (no error on the wire, the hash tells)', async () => {
    const short = Buffer.from(ISTIO).subarray(0, 40);
    const server = await serve(upstreamFiles({ [ISTIO_PATH]: { content: short } }));

    const error = await failure(locateSchemas(lookup(server.baseUrl)));
    expect(error.message).toContain(`its sha256 is ${sha256(short)}, but ${sha256(ISTIO)} is pinned`);
    expect(cacheEntries()).toEqual([]);
  });

  it('stops at a transfer that broke off before its Content-Length', async () => {
    const server = await serve(upstreamFiles({ [ISTIO_PATH]: { content: ISTIO, cutAfter: 40 } }));

    const error = await failure(locateSchemas(lookup(server.baseUrl)));
    expect(error.message).toMatch(new RegExp(`^App Mesh controller CRDs and Istio CRDs are not cached in .*, and ${server.baseUrl}${ISTIO_PATH} could not be downloaded \\(the transfer broke off: .+\\); nothing was cached`));
    expect(cacheEntries()).toEqual([]);
  });

  it('names the HTTP status of a file the server does not have', async () => {
    const files = upstreamFiles();
    files.delete(MESH_PATH);
    const server = await serve(files);

    const error = await failure(locateSchemas(lookup(server.baseUrl)));
    expect(error.message).toContain(`${server.baseUrl}${MESH_PATH} could not be downloaded (HTTP 404 Not Found)`);
    expect(cacheEntries()).toEqual([]);
  });
});

describe('no network and nothing cached', () => {
  it('is one line: the sets missing, the URL tried, and how to provide them', async () => {
    const offline = await unreachableBaseUrl();

    const error = await failure(locateSchemas(lookup(offline)));
    expect(error.message).toBe(
      `App Mesh controller CRDs and Istio CRDs are not cached in ${schemaCacheRoot(cacheHome)}, and ${offline}${MESH_PATH} could not be downloaded (connect ECONNREFUSED ${offline.replace('http://', '')}); nothing was cached — pass --schemas DIR naming a folder with appmesh-crds/ and istio-crds/ in it`,
    );
    expect(progress).toEqual([]);
    expect(existsSync(join(cacheHome, 'app-mesh-workshops')), 'an empty cache folder left behind').toBe(false);
  });
});

describe('where the lookup reads its settings', () => {
  it('caches under $XDG_CACHE_HOME when it is absolute, else ~/.cache', () => {
    expect(userCacheHome({ XDG_CACHE_HOME: '/var/cache/me' })).toBe('/var/cache/me');
    expect(userCacheHome({ XDG_CACHE_HOME: 'relative/cache' })).toBe(join(homedir(), '.cache'));
    expect(userCacheHome({})).toBe(join(homedir(), '.cache'));
  });

  it('takes --schemas over AMW_SCHEMAS_DIR, and an empty value as none', () => {
    expect(namedSchemasFolder('/a', { AMW_SCHEMAS_DIR: '/b' })).toEqual({ path: '/a', namedBy: '--schemas' });
    expect(namedSchemasFolder(undefined, { AMW_SCHEMAS_DIR: '/b' })).toEqual({ path: '/b', namedBy: 'AMW_SCHEMAS_DIR' });
    expect(namedSchemasFolder(undefined, { AMW_SCHEMAS_DIR: '' })).toBeUndefined();
  });
});
