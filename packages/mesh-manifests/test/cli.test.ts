/**
 * The CLI as a learner meets it: usage errors are one line with the fix and exit 2; `render`
 * writes a tree into a repository root and reports what changed; `render --check` fails on drift;
 * a learner's settings survive a re-render.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { repositoryRoot } from '../src/cli/context.js';
import { runCli } from '../src/cli/main.js';
import { reportMissingSchemas, testSchemas } from './crd-schemas.js';

function capture(root: string) {
  const out: string[] = [];
  const err: string[] = [];
  return { context: { root, out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

describe('usage errors', () => {
  const root = repositoryRoot();

  it.each([
    [[], /^no command given: use one of render, validate, .*list, show/],
    [['nope'], /^unknown command 'nope' \(run `pnpm mesh --help` for usage\)$/],
    [['render', '--frobnicate'], /^unknown option '--frobnicate'/],
    [['show'], /^missing required argument 'walkthrough'/],
    [['show', 'mesh-basic'], /^unknown walkthrough "mesh-basic"; valid names: mesh-basics, ingress-gateway-ecs, ingress-gateway-eks, dj-kong-ingress, yelb-multi-account, yelb-canary-observability$/],
    [['show', 'dj-kong-ingress', '--step', 'canary-95'], /^walkthrough dj-kong-ingress has no step "canary-95"; its steps are: v1-only, canary, kong-ingress, rate-limit, key-auth$/],
    [['show', 'mesh-basics', '--kind', 'Widget'], /^walkthrough mesh-basics has no Widget; its kinds are: .*VirtualRouter/],
    [['validate', 'no-such-folder'], /^no folder no-such-folder under .*: run `pnpm mesh render` first/],
    [['migrate'], /^missing required argument 'walkthrough'/],
    [['migrate', 'mesh-basic'], /^unknown walkthrough "mesh-basic"; valid names: /],
    [['migrate', 'mesh-basics', '--to', 'consul'], /^option '--to <target>' argument 'consul' is invalid. Allowed choices are istio, lattice, service-connect/],
    [['migrate', 'ingress-gateway-ecs', '--to', 'istio'], /^walkthrough ingress-gateway-ecs runs on ECS, so its targets are service-connect: use --to service-connect$/],
    [['migrate', 'dj-kong-ingress', '--to', 'service-connect'], /^walkthrough dj-kong-ingress runs on EKS, so its targets are istio, lattice: use --to istio or --to lattice$/],
  ])('%j exits 2 with one line saying what is wrong', async (argv, message) => {
    const { context, out, err } = capture(root);
    expect(await runCli(argv, context)).toBe(2);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(message);
    expect(out).toEqual([]);
  });

  it('prints help with exit 0', async () => {
    const { context, out } = capture(root);
    expect(await runCli(['--help'], context)).toBe(0);
    expect(out.join('\n')).toMatch(/render .*\n.*validate/s);
  });
});

describe('list and show', () => {
  it('lists every walkthrough with its steps', async () => {
    const { context, out } = capture(repositoryRoot());
    expect(await runCli(['list'], context)).toBe(0);
    expect(out.join('\n')).toMatch(/dj-kong-ingress +EKS .*\n +steps: v1-only → canary → kong-ingress → rate-limit → key-auth/);
  });

  it('shows a router at a step', async () => {
    const { context, out } = capture(repositoryRoot());
    expect(await runCli(['show', 'yelb-canary-observability', '--step', 'canary', '--kind', 'VirtualRouter'], context)).toBe(0);
    expect(out.join('\n')).toMatch(/name: yelb-appserver-v1\n\s+weight: 2\n.*name: yelb-appserver-v2\n\s+weight: 1/s);
  });
});

describe('migrate', () => {
  it('prints the report of one target as a table', async () => {
    const { context, out } = capture(repositoryRoot());
    expect(await runCli(['migrate', 'ingress-gateway-eks', '--to', 'lattice'], context)).toBe(0);
    const text = out.join('\n');
    expect(text.split('\n')[0]).toMatch(/^ingress-gateway-eks → Gateway API on Amazon VPC Lattice: \d+ App Mesh feature uses: \d+ carried, \d+ in part, \d+ not needed, \d+ not carried$/);
    expect(text).toMatch(/✗ not carried +Header match: regex — VirtualRouter howto-k8s-ingress-gateway\/color-headers routes\[color-route-green\]\.match\.headers\[color_header\]: color_header ~ \.\*green\.\*\n +why: .*LATTICE_UNSUPPORTED_HEADER_MATCH_TYPE.*\n +instead: /);
  });

  it('prints every target of a walkthrough without --to, and JSON with --json', async () => {
    const all = capture(repositoryRoot());
    expect(await runCli(['migrate', 'mesh-basics'], all.context)).toBe(0);
    expect(all.out.join('\n')).toMatch(/^mesh-basics → Istio[\s\S]*\n\nmesh-basics → Gateway API on Amazon VPC Lattice/);
    const json = capture(repositoryRoot());
    expect(await runCli(['migrate', 'ingress-gateway-ecs', '--to', 'service-connect', '--json'], json.context)).toBe(0);
    const report = JSON.parse(json.out.join('\n')) as { target: string; counts: Record<string, number>; features: { feature: string; status: string }[] };
    expect(report.target).toBe('service-connect');
    expect(report.features.find((f) => f.feature === 'weighted-targets')?.status).toBe('partly');
    expect(Object.values(report.counts).reduce((a, b) => a + b, 0)).toBe(report.features.length);
  });
});

describe('render into a repository root', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'mesh-render-'));
    mkdirSync(join(root, 'docs'), { recursive: true });
    cpSync(join(repositoryRoot(), 'docs/walkthroughs'), join(root, 'docs/walkthroughs'), { recursive: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  // It renders the whole tree (both languages' guides, every target) three times: on a CI machine
  // sharing two cores with every other package's tests that can take more than the default.
  it('creates the tree, then finds nothing to change, then reports an edit and a stale file', async () => {
    const first = capture(root);
    expect(await runCli(['render'], first.context)).toBe(0);
    expect(first.out).toContain('created k8s/mesh-basics/appmesh/kustomization.yaml');
    expect(first.out.at(-1)).toMatch(/^\d+ file\(s\) changed, \d+ rendered$/);

    const second = capture(root);
    expect(await runCli(['render'], second.context)).toBe(0);
    expect(second.out).toEqual([expect.stringMatching(/^nothing changed \(\d+ files\)$/)]);

    writeFileSync(join(root, 'k8s/mesh-basics/appmesh/mesh.yaml'), 'edited by hand\n');
    writeFileSync(join(root, 'k8s/mesh-basics/appmesh/extra.yaml'), 'kind: Leftover\n');
    const check = capture(root);
    expect(await runCli(['render', '--check'], check.context)).toBe(1);
    expect(check.out).toEqual(['differs k8s/mesh-basics/appmesh/mesh.yaml', 'stale k8s/mesh-basics/appmesh/extra.yaml']);
    expect(check.err).toEqual(['2 generated file(s) out of date: run `pnpm mesh render` and commit the result']);
    expect(readFileSync(join(root, 'k8s/mesh-basics/appmesh/mesh.yaml'), 'utf8')).toBe('edited by hand\n');

    const third = capture(root);
    expect(await runCli(['render'], third.context)).toBe(0);
    expect(third.out.slice(0, 2)).toEqual(['updated k8s/mesh-basics/appmesh/mesh.yaml', 'removed k8s/mesh-basics/appmesh/extra.yaml']);
    expect(existsSync(join(root, 'k8s/mesh-basics/appmesh/extra.yaml'))).toBe(false);
    expect(readFileSync(join(root, 'k8s/mesh-basics/appmesh/mesh.yaml'), 'utf8')).toMatch(/^# Generated by @amw\/mesh-manifests/);
  }, 60_000);

  it('keeps the values a learner set in settings.env', async () => {
    await runCli(['render'], capture(root).context);
    const path = join(root, 'k8s/mesh-basics/appmesh/settings/settings.env');
    writeFileSync(path, readFileSync(path, 'utf8').replace('AWS_ACCOUNT_ID=111122223333', 'AWS_ACCOUNT_ID=999988887777'));
    const again = capture(root);
    expect(await runCli(['render'], again.context)).toBe(0);
    expect(readFileSync(path, 'utf8')).toContain('AWS_ACCOUNT_ID=999988887777');
    expect(readFileSync(path, 'utf8')).toContain('# Region of your cluster');
  });

  it('fails with the missing guide named when a walkthrough has none', async () => {
    rmSync(join(root, 'docs/walkthroughs/mesh-basics.md'));
    const run = capture(root);
    expect(await runCli(['render'], run.context)).toBe(1);
    expect(run.err[0]).toMatch(/^docs\/walkthroughs\/mesh-basics\.md is missing/);
    expect(existsSync(join(root, 'k8s'))).toBe(false);
  });

  // The CRDs come from the tests' folder, never from the network (test/schemas covers the download).
  const schemas = testSchemas();
  if (schemas.missing.length) reportMissingSchemas('validate on a rendered tree', schemas);
  else
    it('validates what it rendered, and reports a broken object', async () => {
      await runCli(['render'], capture(root).context);
      const ok = capture(root);
      expect(await runCli(['validate', '--schemas', schemas.directory], ok.context)).toBe(0);
      expect(ok.err).toEqual([]);
      expect(ok.out.at(-1)).toMatch(/^\d+ objects valid$/);

      writeFileSync(join(root, 'k8s/mesh-basics/appmesh/services.yaml'), 'apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec:\n  ports:\n    - port: eighty\n');
      const bad = capture(root);
      expect(await runCli(['validate', 'k8s/mesh-basics/appmesh', '--schemas', schemas.directory], bad.context)).toBe(1);
      expect(bad.out.join('\n')).toMatch(/services\.yaml: Service \/?x: .*port must be integer/);
      expect(bad.err.at(-1)).toMatch(/problem\(s\) in \d+ objects/);
    });
});
