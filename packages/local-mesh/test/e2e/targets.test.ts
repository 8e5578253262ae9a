/**
 * Every EKS walkthrough run from its rendered Istio and Lattice files, step by step, through real
 * processes: each check passes as on App Mesh, or — where the migration report says the target
 * cannot carry it — is expected to differ and shows what the target answers instead. A copy of
 * the rendered files with other weights shows the run follows the files, not the App Mesh model.
 * On Istio the proxies talk mutual TLS to each other, and a copy made STRICT refuses plain text.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRepoRoot } from '@amw/dev-stack';
import { chromiumForTests, postgresForTests, redisForTests } from '@amw/dev-stack/testing';
import { checksAt, getWalkthrough, liveTargetsOf, migrationReport, walkthroughs, type Check, type Walkthrough } from '@amw/mesh-manifests';
import { planTargetCheck } from '../../src/checks/target-checks.js';
import { LOCAL_TARGETS } from '../../src/targets/rendered-files.js';
import { startWalkthrough, useWalkthrough, type Started } from './harness.js';
import { openProjectorPage, saveScreenshot, scrollSize } from './projector-page.js';

const chromium = chromiumForTests();

const postgres = await postgresForTests('localmesh_targets');
const redis = await redisForTests();

afterAll(async () => {
  await postgres?.drop();
  await redis?.release();
});

const cases = walkthroughs.flatMap((w) => LOCAL_TARGETS.filter((t) => (liveTargetsOf(w) as string[]).includes(t)).map((t) => [`${w.name} on ${t}`, w, t] as const));

/** TLS handshakes every proxy of the run completed, listeners and clusters alike, from their admin `/stats`. */
async function sslHandshakes(started: Started): Promise<number> {
  let total = 0;
  for (const url of Object.values(started.run.urls.admin)) {
    const text = await (await fetch(`${url}/stats`)).text();
    for (const match of text.matchAll(/\.ssl\.handshake: (\d+)$/gm)) total += Number(match[1]);
  }
  return total;
}

/** One HTTP/1.1 exchange; resolves the status, or the error that ended the connection without one. */
function exchange(port: number, path: string, host: string): Promise<{ status: number } | { error: string }> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host }, agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.end();
  });
}

describe.runIf(postgres && redis).each(cases)('%s', (_name, walkthrough, target) => {
  const run = useWalkthrough(walkthrough, { postgres: postgres!, redis: redis! }, walkthrough.steps[0]!.name, { name: target });
  const report = migrationReport(walkthrough, target);

  for (const [index, step] of walkthrough.steps.entries()) {
    const checks = checksAt(walkthrough, step.name);
    it(`step ${step.name}: ${checks.length ? checks.map((c) => c.name).join(', ') : 'no checks'}`, async () => {
      if (index > 0) await run.started.run.applyStep(step.name);
      expect(run.started.run.step).toBe(step.name);
      expect(run.started.run.target).toBe(target);
      const client = run.started.run.clientEntries[0];
      let made = 0;
      for (const check of checks) {
        const plan = planTargetCheck(walkthrough, target, step.name, check, report, client);
        if (!plan.run) {
          expect(plan.expectation, `${check.name} cannot be made on ${target}`).toBe('differs');
          expect(plan.note, `${check.name}: why it differs`).toBeTruthy();
          continue;
        }
        const outcome = await run.started.client.run(plan.run);
        expect(outcome.ok, `${check.name} (${check.title}) on ${target}, ${plan.expectation}${plan.note ? ` (${plan.note})` : ''}:\n  ${outcome.lines.join('\n  ')}`).toBe(true);
        made++;
      }
      // Istio's proxies talk mutual TLS to each other (auto mTLS): the checks' requests went through it.
      if (target === 'istio' && made > 0) expect(await sslHandshakes(run.started), 'TLS handshakes between the proxies').toBeGreaterThan(0);
    }, 180_000);
  }

  // One walkthrough per target is enough to show the console says what the run is made of.
  if (walkthrough.name === 'mesh-basics') it.runIf(chromium)('the console says the run comes from the rendered files, at 1280×720 without scrolling', async () => {
    const { browser, page, errors } = await openProjectorPage(chromium!);
    try {
      await page.goto(run.started.run.consoleUrl);
      const note = page.getByTestId('target-note');
      await expect.poll(() => note.textContent(), { timeout: 15_000 }).toContain(`k8s/mesh-basics/${target}`);
      expect(await note.textContent()).toContain(target === 'istio' ? 'rendered Istio files' : 'rendered Gateway API (VPC Lattice) files');
      // The split is named as the target names its destinations: Istio's subsets, Lattice's target groups.
      const rows = await page.getByTestId('split-row').all();
      expect(rows.length).toBeGreaterThan(0);
      const targets = new Set(await Promise.all(rows.map((row) => row.getAttribute('data-target'))));
      expect(targets).toEqual(new Set(target === 'istio' ? ['svc-v vnode-1', 'svc-v vnode-2'] : ['svc-1:80', 'svc-2:80']));
      expect(await scrollSize(page)).toEqual([1280, 720]);
      await saveScreenshot(page, `mesh-console-${target}`);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});

/**
 * For one describe block: a copy of a walkthrough's rendered Istio files with one file edited (the
 * edit must change it), and the run started from it by the block's test, stopped afterwards.
 */
function editedIstioCopy(walkthrough: Walkthrough, file: string, edit: (text: string) => string, why: string): { readonly root: string; started: Started | undefined } {
  const copy: { root: string; started: Started | undefined } = { root: '', started: undefined };
  beforeAll(async () => {
    copy.root = await mkdtemp(join(tmpdir(), 'amw-rendered-'));
    const folder = `k8s/${walkthrough.name}/istio`;
    await cp(join(findRepoRoot(), folder), join(copy.root, folder), { recursive: true });
    const path = join(copy.root, folder, file);
    const text = await readFile(path, 'utf8');
    const edited = edit(text);
    expect(edited, why).not.toBe(text);
    await writeFile(path, edited);
  });
  afterAll(async () => {
    if (copy.started) expect(await copy.started.stop(), 'processes left behind').toEqual([]);
    await rm(copy.root, { recursive: true, force: true });
  }, 60_000);
  return copy;
}

describe.runIf(postgres && redis)('the local run follows the rendered files', () => {
  const walkthrough = getWalkthrough('dj-kong-ingress');
  // The canary step's jazz split, 95:5 in the definition, becomes 50:50 in the copy only.
  const copy = editedIstioCopy(
    walkthrough,
    'steps/1-canary/virtual-services.yaml',
    (text) => text.replace(/weight: 95\b/g, 'weight: 50').replace(/weight: 5\b/g, 'weight: 50'),
    'the canary file holds the 95:5 weights',
  );

  it('a 95:5 canary edited to 50:50 in a copy of the Istio files splits 50:50', async () => {
    const started = (copy.started = await startWalkthrough(walkthrough, { postgres: postgres!, redis: redis! }, 'canary', { name: 'istio', renderedRoot: copy.root }));
    const canary = checksAt(walkthrough, 'canary').find((c) => c.expect.kind === 'distribution')!;
    if (canary.expect.kind !== 'distribution') throw new Error('the canary check is a distribution');
    const fifty: Check = { ...canary, expect: { ...canary.expect, outcomes: canary.expect.outcomes.map((o) => ({ ...o, weight: 1 })) } };
    const outcome = await started.client.run(fifty);
    expect(outcome.ok, outcome.lines.join('\n')).toBe(true);
    // And the definition's 95:5 is what it does not do.
    expect((await started.client.run(canary)).ok).toBe(false);
  }, 180_000);
});

describe.runIf(postgres && redis)('a STRICT PeerAuthentication in a copy of the Istio files', () => {
  const walkthrough = getWalkthrough('mesh-basics');
  const copy = editedIstioCopy(walkthrough, 'peer-authentications.yaml', (text) => text.replace(/mode: PERMISSIVE\b/g, 'mode: STRICT'), 'the file holds a PERMISSIVE PeerAuthentication');

  it('the checks pass through the mesh, while plain text straight to a pod’s sidecar is refused', async () => {
    const step = walkthrough.steps[0]!.name;
    const started = (copy.started = await startWalkthrough(walkthrough, { postgres: postgres!, redis: redis! }, step, { name: 'istio', renderedRoot: copy.root }));
    const report = migrationReport(walkthrough, 'istio');
    for (const check of checksAt(walkthrough, step)) {
      const plan = planTargetCheck(walkthrough, 'istio', step, check, report, undefined);
      if (!plan.run) continue;
      const outcome = await started.client.run(plan.run);
      expect(outcome.ok, `${check.name} under STRICT:\n  ${outcome.lines.join('\n  ')}`).toBe(true);
    }
    const teller = started.run.instanceList().find((i) => i.workload.metadata.name === 'colorteller-1')!;
    const answer = await exchange(teller.ports.ingress!, '/', 'svc-1.mesh-test.svc.cluster.local');
    expect(answer, 'a plain-text request to a STRICT sidecar gets no HTTP answer').toHaveProperty('error');
    expect((answer as { error: string }).error).toMatch(/ECONNRESET|socket hang up|EPIPE/);
    // The same pod through the client's sidecar, which originates mutual TLS: answered.
    const clientProxy = Number(new URL(started.run.urls.entries.client!).port);
    expect(await exchange(clientProxy, 'http://svc-1.mesh-test.svc.cluster.local/', 'svc-1.mesh-test.svc.cluster.local')).toEqual({ status: 200 });
  }, 180_000);
});
