/**
 * mesh.sh, run for real by `sh` against a fake `aws` on PATH that records its arguments: `up`
 * and every later step create each object only after everything it names exists, `down` deletes
 * nothing that something still names, a shared mesh's owner comes from MESH_OWNER_ACCOUNT_ID, and
 * deleting what is already gone is reported, not fatal.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositoryRoot } from '../../src/cli/context.js';
import { renderCliJson } from '../../src/render/cli-json/index.js';
import { getWalkthrough, walkthroughs } from '../../src/walkthroughs/index.js';

let root: string;
let bin: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'mesh-cli-'));
  bin = join(root, 'bin');
  mkdirSync(bin);
  // Records each call; fails like the real CLI for names listed in FAKE_GONE or FAKE_BROKEN.
  writeFileSync(
    join(bin, 'aws'),
    [
      '#!/bin/sh',
      'printf "%s\\n" "$*" >> "$FAKE_LOG"',
      'for name in ${FAKE_GONE:-}; do case " $* " in *" $name "*) echo "An error occurred (NotFoundException) when calling the Delete operation: not found" >&2; exit 254;; esac; done',
      'for name in ${FAKE_BROKEN:-}; do case " $* " in *" $name "*) echo "An error occurred (AccessDeniedException): denied" >&2; exit 254;; esac; done',
      'echo "uid-$$"',
    ].join('\n'),
  );
  chmodSync(join(bin, 'aws'), 0o755);
  for (const file of walkthroughs.flatMap((w) => renderCliJson(w))) {
    mkdirSync(dirname(join(root, file.path)), { recursive: true });
    writeFileSync(join(root, file.path), file.content);
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function run(script: string, arg: string, env: Record<string, string> = {}) {
  const log = join(root, `log-${Math.random().toString(36).slice(2)}`);
  writeFileSync(log, '');
  const result = spawnSync('sh', [join(root, script), arg], { env: { PATH: `${bin}:/usr/bin:/bin`, FAKE_LOG: log, ...env }, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

/** App Mesh's references between objects, replayed over the recorded calls. */
class FakeMesh {
  readonly existing = new Set<string>();
  constructor(private readonly folder: string, shared: boolean) {
    if (shared) this.existing.add('mesh');
  }

  private document(call: string): Record<string, unknown> {
    const file = /--cli-input-json file:\/\/(\S+)/.exec(call)![1]!;
    return JSON.parse(readFileSync(join(this.folder, file), 'utf8')) as Record<string, unknown>;
  }

  /** Returns what the object names that does not exist yet. */
  apply(call: string): string[] {
    const [verb] = call.split(' ').slice(1);
    const kind = verb!.replace(/^(create|update|delete)-/, '');
    if (verb!.startsWith('delete-')) {
      const arg = (flag: string) => new RegExp(`--${flag} (\\S+)`).exec(call)?.[1];
      const key = kind === 'mesh' ? 'mesh' : `${kind}/${arg(`${kind}-name`)}${kind === 'route' ? `@${arg('virtual-router-name')}` : kind === 'gateway-route' ? `@${arg('virtual-gateway-name')}` : ''}`;
      this.existing.delete(key);
      return [];
    }
    const doc = this.document(call) as Record<string, string> & { spec?: Record<string, unknown> };
    const needs: string[] = kind === 'mesh' ? [] : ['mesh'];
    const spec = JSON.stringify(doc.spec ?? {});
    for (const m of spec.matchAll(/"virtualNode":"([^"]+)"|"virtualNodeName":"([^"]+)"/g)) needs.push(`virtual-node/${m[1] ?? m[2]}`);
    for (const m of spec.matchAll(/"virtualRouterName":"([^"]+)"/g)) needs.push(`virtual-router/${m[1]}`);
    if (kind === 'route') needs.push(`virtual-router/${doc.virtualRouterName}`);
    if (kind === 'gateway-route') {
      needs.push(`virtual-gateway/${doc.virtualGatewayName}`);
      for (const m of spec.matchAll(/"virtualServiceName":"([^"]+)"/g)) needs.push(`virtual-service/${m[1]}`);
    }
    const name = doc[`${kind.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())}Name`];
    const key = kind === 'mesh' ? 'mesh' : `${kind}/${name}${kind === 'route' ? `@${doc.virtualRouterName}` : kind === 'gateway-route' ? `@${doc.virtualGatewayName}` : ''}`;
    const missing = needs.filter((n) => !this.existing.has(n));
    this.existing.add(key);
    return missing;
  }

  /**
   * What still needs `key` among the existing objects: a route its nodes, a virtual service its
   * provider, a gateway route its target. (A backend may name a virtual service that does not
   * exist, as creation allows, so it holds nothing.)
   */
  static referencesTo(key: string, documents: Map<string, Record<string, unknown>>): string[] {
    const [kind, rest] = key.split('/');
    const name = rest?.split('@')[0];
    const field = kind === 'virtual-node' ? /"virtualNode(Name)?":"([^"]+)"/g : kind === 'virtual-service' ? /"virtualServiceName":"([^"]+)"/g : kind === 'virtual-router' ? /"virtualRouterName":"([^"]+)"/g : undefined;
    if (!field) return [];
    const holders = ['route/', 'virtual-service/', 'gateway-route/'];
    return [...documents.entries()]
      .filter(([k, doc]) => k !== key && holders.some((h) => k.startsWith(h)) && [...JSON.stringify(doc).matchAll(field)].some((m) => m.at(-1) === name))
      .map(([k]) => k);
  }
}

const scripts = walkthroughs.flatMap((w) => w.clusters.map((c) => ({ w, folder: renderCliJson(w).find((f) => f.path.endsWith('mesh.sh') && (w.clusters.length === 1 || f.path.includes(`/${c.name}/`)))!.path })));

describe('mesh.sh', () => {
  it('is valid POSIX shell', () => {
    for (const { folder } of scripts) execFileSync('sh', ['-n', join(root, folder)]);
  });

  it.each(scripts.map((s) => [s.folder, s] as const))('%s: every step creates an object only after what it names', (_label, { w, folder }) => {
    const dir = dirname(join(root, folder));
    const shared = readFileSync(join(root, folder), 'utf8').includes('it is not created or deleted here');
    const mesh = new FakeMesh(dir, shared);
    w.steps.forEach((step, i) => {
      const result = run(folder, i === 0 ? 'up' : step.name);
      expect(result.status, result.stderr).toBe(0);
      for (const call of result.calls) expect([call, mesh.apply(call)]).toEqual([call, []]);
    });
    expect(mesh.existing.size).toBeGreaterThan(1);
  });

  it('creates, then updates at each TLS step, in the order of the original mesh.sh', () => {
    const folder = 'ecs/ingress-gateway-ecs/appmesh/appmesh-cli/mesh.sh';
    const verbs = (arg: string) => run(folder, arg).calls.map((c) => `${c.split(' ')[1]} ${/file:\/\/\S+\/\d\d-(\S+)\.json/.exec(c)?.[1]}`);
    expect(verbs('up').map((v) => v.split(' ')[0])).toEqual([
      'create-mesh',
      ...Array(4).fill('create-virtual-node'),
      ...Array(2).fill('create-virtual-router'),
      ...Array(2).fill('create-route'),
      ...Array(2).fill('create-virtual-service'),
      'create-virtual-gateway',
      ...Array(2).fill('create-gateway-route'),
    ]);
    expect(verbs('partial-tls')).toEqual(['update-virtual-node virtual-node-colorteller-white-vn', 'update-virtual-gateway virtual-gateway-colorgateway-vg']);
    expect(verbs('full-tls')).toEqual(['update-virtual-node virtual-node-colorteller-blue-vn', 'update-virtual-node virtual-node-colorteller-black-vn', 'update-virtual-node virtual-node-colorteller-red-vn']);
  });

  it('deletes in an order where nothing is deleted while another object still names it', () => {
    for (const { w, folder } of scripts) {
      const dir = dirname(join(root, folder));
      const documents = new Map<string, Record<string, unknown>>();
      const last = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.json')).sort();
      for (const file of last) {
        const doc = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, string>;
        const kind = /\d\d-(mesh|virtual-node|virtual-router|route|virtual-service|virtual-gateway|gateway-route)-/.exec(file)![1]!;
        const name = doc[`${kind.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())}Name`];
        documents.set(kind === 'mesh' ? 'mesh' : `${kind}/${name}${kind === 'route' ? `@${doc.virtualRouterName}` : kind === 'gateway-route' ? `@${doc.virtualGatewayName}` : ''}`, doc);
      }
      const result = run(folder, 'down');
      expect(result.status, `${w.name}: ${result.stderr}`).toBe(0);
      for (const call of result.calls) {
        const arg = (flag: string) => new RegExp(`--${flag} (\\S+)`).exec(call)?.[1];
        const kind = call.split(' ')[1]!.replace(/^delete-/, '');
        const key = kind === 'mesh' ? 'mesh' : `${kind}/${arg(`${kind}-name`)}${kind === 'route' ? `@${arg('virtual-router-name')}` : kind === 'gateway-route' ? `@${arg('virtual-gateway-name')}` : ''}`;
        if (kind === 'mesh') expect(documents.size, `${w.name}: mesh deleted while ${[...documents.keys()].join(', ')} remain`).toBe(1);
        else expect([call, FakeMesh.referencesTo(key, documents)]).toEqual([call, []]);
        documents.delete(key);
      }
    }
  });

  it('takes a shared mesh’s owner from MESH_OWNER_ACCOUNT_ID, and never creates a mesh another account owns', () => {
    const folder = 'k8s/yelb-multi-account/appmesh/backend/appmesh-cli/mesh.sh';
    const calls = run(folder, 'up', { MESH_OWNER_ACCOUNT_ID: '999988887777' }).calls;
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((c) => c.includes(' --mesh-owner 999988887777 '))).toBe(true);
    expect(calls.some((c) => c.includes('create-mesh'))).toBe(false);
    expect(run(folder, 'down').calls.every((c) => c.includes('--mesh-owner 111122223333') && !c.includes('delete-mesh '))).toBe(true);
  });

  it('reports what is already gone and goes on, but stops at any other failure; refuses an unknown action', () => {
    const folder = 'ecs/ingress-gateway-ecs/appmesh/appmesh-cli/mesh.sh';
    const gone = run(folder, 'down', { FAKE_GONE: 'colorgateway-route-1 colorteller-vr-2' });
    expect(gone.status).toBe(0);
    expect(gone.stdout.match(/already gone/g)).toHaveLength(3);
    expect(gone.calls.at(-1)).toBe('appmesh delete-mesh --mesh-name ColorApp-Ingress --query *.metadata.uid --output text');
    const broken = run(folder, 'down', { FAKE_BROKEN: 'colorteller-2.default.svc.cluster.local' });
    expect(broken.status).not.toBe(0);
    expect(broken.stderr).toMatch(/AccessDeniedException/);
    expect(broken.calls.some((c) => c.includes('delete-mesh'))).toBe(false);
    const usage = run(folder, 'sideways');
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/usage: sh .*mesh\.sh up\|partial-tls\|full-tls\|down/);
    expect(usage.calls).toEqual([]);
  });

  it('is named in the guide with the same actions', () => {
    const guide = readFileSync(join(repositoryRoot(), 'docs/walkthroughs/ingress-gateway-ecs.md'), 'utf8');
    for (const action of ['up', ...getWalkthrough('ingress-gateway-ecs').steps.slice(1).map((s) => s.name), 'down']) {
      expect(guide).toMatch(new RegExp(`sh ecs/ingress-gateway-ecs/appmesh/appmesh-cli/mesh\\.sh ${action}\\b`));
    }
  });
});
