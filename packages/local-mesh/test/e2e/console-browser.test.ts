/**
 * The mesh console of a real mesh-basics run: its event stream and error answers, then the page
 * in headless Chromium — the topology with its weights, the proxies' health, and the observed
 * split appearing as requests go through the gateway to the router's two ColorTellers.
 */
import { mkdir } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleSnapshot } from '@amw/mesh-console';
import { chromiumForTests } from '@amw/dev-stack/testing';
import { getWalkthrough, workload, type Walkthrough } from '@amw/mesh-manifests';
import { expectProjectorShot, openProjectorPage } from './projector-page.js';
import { startWalkthrough, type Started } from './harness.js';

const artifactsDir = process.env.TEST_ARTIFACTS_DIR || fileURLToPath(new URL('../../test-artifacts', import.meta.url));
const chromium = chromiumForTests();

const meshBasics = getWalkthrough('mesh-basics');
/** mesh-basics plus a step whose app exits at once: the page's failed-step path, with a real rollback. */
const walkthrough: Walkthrough = {
  ...meshBasics,
  steps: [
    ...meshBasics.steps,
    {
      name: 'broken',
      title: 'a workload that cannot start',
      summary: 'an app whose configuration is invalid (SERVER_PORT) exits at once',
      changes: [
        {
          op: 'put',
          resource: workload('mesh-test', 'doomed', { component: 'colorteller', replicas: 1, podLabels: { app: 'doomed' }, ports: [{ name: 'http', port: 8080 }], env: { SERVER_PORT: 'not-a-port' } }),
        },
      ],
    },
  ],
};

/** The first `event: <name>` of a stream, parsed; the connection is closed after it. */
function firstEvent<T>(url: string, name: string, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`${url} answered ${res.statusCode}`));
      res.setEncoding('utf8');
      let buffered = '';
      res.on('data', (chunk: string) => {
        buffered += chunk;
        for (const block of buffered.split('\n\n').slice(0, -1)) {
          const lines = block.split('\n');
          if (lines.includes(`event: ${name}`)) {
            req.destroy();
            resolve(JSON.parse(lines.find((l) => l.startsWith('data: '))!.slice(6)) as T);
            return;
          }
        }
      });
      res.on('end', () => reject(new Error(`${url} ended before an "${name}" event`)));
    });
    req.on('error', reject);
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no "${name}" event from ${url} within ${timeoutMs} ms`)));
    req.end();
  });
}

function raw(url: string, method: string): Promise<{ status: number; type: string | undefined; body: string }> {
  const { origin } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(origin, { method, path: url.slice(origin.length), agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Sends `count` requests through an entry, `parallel` at a time; resolves the status codes seen. */
async function burst(url: string, count: number, parallel = 8): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        next++;
        const res = await fetch(url);
        await res.arrayBuffer();
        statuses.push(res.status);
      }
    }),
  );
  return statuses;
}

describe('the mesh console of mesh-basics', () => {
  let started: Started;
  let base: string;

  beforeAll(async () => {
    started = await startWalkthrough(walkthrough, {}, 'mesh');
    base = started.run.controlPlaneUrl;
  }, 180_000);

  afterAll(async () => {
    if (started) expect(await started.stop(), 'processes left behind').toEqual([]);
  }, 60_000);

  it('is in the ready line, on the run’s loopback API server', () => {
    expect(started.run.readyLine().console).toBe(`${base}/console/`);
    expect(new URL(started.run.consoleUrl).hostname).toBe('127.0.0.1');
  });

  it('streams a snapshot with the step, the processes, the topology and the weighted route', async () => {
    const snapshot = await firstEvent<ConsoleSnapshot>(`${base}/v1/console/events`, 'snapshot');
    expect(snapshot.walkthrough.name).toBe('mesh-basics');
    expect(snapshot.step.name).toBe('mesh');
    expect(snapshot.processes.length).toBe(started.run.processStates().length);
    const labels = (tier: string) => snapshot.topology.nodes.filter((n) => n.tier === tier).map((n) => n.label).sort();
    expect(labels('entry')).toEqual(['client', 'gateway']);
    expect(labels('gateway')).toEqual(['gateway-v']);
    expect(labels('service')).toEqual(['svc-v']);
    expect(labels('router')).toEqual(['vrouter-1']);
    expect(labels('node')).toEqual(['client', 'vnode-1', 'vnode-2']);
    const weighted = snapshot.topology.edges.filter((e) => e.weight !== undefined);
    expect(weighted.map((e) => e.label)).toEqual(['route-1 /* · weight 1', 'route-1 /* · weight 1']);
    expect(snapshot.splits).toHaveLength(1);
    const [split] = snapshot.splits;
    expect(split!.label).toBe('route-1');
    // The gateway and the client pod's sidecar both route to svc-v: both are the route's clients.
    expect([...split!.clients].sort()).toEqual(['client', 'gateway-v']);
    expect(split!.targets.map((t) => [t.label, t.weight, t.observed.total])).toEqual([
      ['vnode-1', 1, 0],
      ['vnode-2', 1, 0],
    ]);
  });

  it('answers bad console paths and methods with a JSON error', async () => {
    const cases: [string, RequestInit, number, string][] = [
      ['/v1/console/nope', {}, 404, 'no such console endpoint: /v1/console/nope'],
      ['/v1/console/events', { method: 'POST' }, 405, 'POST is not allowed'],
      ['/console/%2e%2e/package.json', {}, 400, "path traversal ('..')"],
      ['/console/%E0%A4%A', {}, 400, 'not valid percent-encoding'],
      ['/console/assets/missing.js', {}, 404, 'not found'],
      ['/console/.env', {}, 404, 'not found'],
      ['/console/', { method: 'DELETE' }, 405, 'DELETE is not allowed'],
    ];
    for (const [path, init, status, error] of cases) {
      // Sent as written: fetch would resolve `%2e%2e` before the server sees it.
      const res = await raw(`${base}${path}`, init.method ?? 'GET');
      expect(res.status, path).toBe(status);
      expect(res.type, path).toBe('application/json');
      expect((JSON.parse(res.body) as { error: string }).error, path).toContain(error);
    }
    const redirect = await fetch(`${base}/console`, { redirect: 'manual' });
    expect([redirect.status, redirect.headers.get('location')]).toEqual([301, '/console/']);
    const page = await fetch(`${base}/console/`);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<title>Mesh console</title>');
  });

  describe.runIf(chromium)('in Chromium', () => {
    let browser: Browser;
    let page: Page;
    let errors: string[] = [];

    beforeAll(async () => {
      ({ browser, page, errors } = await openProjectorPage(chromium!));
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
    });

    it('shows the topology with its weights, the health of every proxy, and the observed split as requests arrive', async () => {
      await page.goto(started.run.consoleUrl);
      await expect.poll(() => page.getByTestId('current-step').textContent(), { timeout: 15_000 }).toBe('mesh');
      const nodes = page.getByTestId('topology-node');
      await expect.poll(() => nodes.count()).toBeGreaterThan(0);
      const byTier = async (tier: string) => (await page.locator(`[data-testid="topology-node"][data-tier="${tier}"] .node-label`).allTextContents()).sort();
      expect(await byTier('router')).toEqual(['vrouter-1']);
      expect(await byTier('node')).toEqual(['client', 'vnode-1', 'vnode-2']);
      expect(await byTier('gateway')).toEqual(['gateway-v']);
      expect((await page.getByTestId('edge-label').allTextContents()).filter((l) => l.includes('weight'))).toEqual(['route-1 /* · weight 1', 'route-1 /* · weight 1']);
      const processes = started.run.processStates().length;
      await expect.poll(() => page.getByTestId('health-summary').textContent()).toBe(`${processes} of ${processes} ready`);
      await expect.poll(() => page.getByTestId('connection').textContent()).toContain('live');

      const rows = page.getByTestId('split-row');
      expect(await rows.locator('[data-testid="configured"]').allTextContents()).toEqual(['50%', '50%']);
      expect(await rows.locator('[data-testid="observed"]').allTextContents()).toEqual(['—', '—']);

      const statuses = await burst(started.run.urls.entries.gateway!, 200);
      expect(statuses.every((s) => s === 200)).toBe(true);
      const sent = async () => (await rows.locator('[data-testid="counts"]').allTextContents()).map((t) => Number(t.split('/')[1]));
      await expect.poll(async () => (await sent()).reduce((a, b) => a + b, 0), { timeout: 10_000 }).toBe(200);
      const observed = (await rows.locator('[data-testid="observed"]').allTextContents()).map((t) => Number(t.replace('%', '')));
      expect(observed.reduce((a, b) => a + b, 0)).toBe(100);
      // Round robin over weights 1:1: close to half each (a binomial bound would be wider still).
      for (const share of observed) expect(share).toBeGreaterThanOrEqual(35);
      const drawn = async () => JSON.parse((await page.getByTestId('split-chart').getAttribute('data-drawn-observed')) ?? '[]') as number[];
      await expect.poll(drawn).toEqual(observed);
      expect(JSON.parse((await page.getByTestId('split-chart').getAttribute('data-drawn-configured')) ?? '[]')).toEqual([50, 50]);

      // A string: this package's TypeScript has no DOM types, the browser runs it as it is.
      const fits = (await page.evaluate('[document.documentElement.scrollWidth, document.documentElement.scrollHeight]')) as number[];
      expect(fits[0]).toBeLessThanOrEqual(1280);
      expect(fits[1]).toBeLessThanOrEqual(720);
      await mkdir(artifactsDir, { recursive: true });
      await page.screenshot({ path: join(artifactsDir, 'mesh-console.png') });
      expect(errors).toEqual([]);
    }, 60_000);

    it('sends a paced burst through the gateway from the load button, and the observed split grows by its count', async () => {
      const rows = page.getByTestId('split-row');
      const sentTotal = async () => (await rows.locator('[data-testid="counts"]').allTextContents()).map((t) => Number(t.split('/')[1])).reduce((a, b) => a + b, 0);
      const before = await sentTotal();
      // The gateway is the run's load balancer; the client pod's sidecar is offered as a proxy.
      expect(await page.getByTestId('load-entry').locator('option').allTextContents()).toEqual(['gateway', "client (pod's sidecar)"]);
      expect([await page.getByTestId('load-count').inputValue(), await page.getByTestId('load-rate').inputValue()]).toEqual(['200', '20']);

      const post = (body: object) => fetch(`${base}/v1/console/load`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const bad = await post({ entry: 'client', count: 5, ratePerSecond: 5 });
      expect([bad.status, ((await bad.json()) as { error: string }).error]).toEqual([
        400,
        'entry "client" is a pod\'s sidecar: target must be one of the URLs it may call (http://svc-v.mesh-test.svc.cluster.local/)',
      ]);
      const elsewhere = await post({ entry: 'client', count: 5, ratePerSecond: 5, target: 'http://example.com/' });
      expect([elsewhere.status, ((await elsewhere.json()) as { error: string }).error]).toEqual([
        400,
        'target "http://example.com/" is not one of the virtual services "client" may call (http://svc-v.mesh-test.svc.cluster.local/)',
      ]);
      expect(await sentTotal()).toBe(before);

      await page.getByTestId('load-count').fill('60');
      await page.getByTestId('load-rate').fill('30');
      await page.getByTestId('load-send').click();
      await expect.poll(() => page.getByTestId('load-send').isDisabled(), { timeout: 5000 }).toBe(true);
      const second = await post({ entry: 'gateway', count: 1, ratePerSecond: 1 });
      expect(second.status).toBe(409);
      expect(((await second.json()) as { error: string }).error).toContain('a burst is already running');
      const progress = page.getByTestId('load-progress');
      await expect.poll(() => progress.getAttribute('data-running'), { timeout: 15_000 }).toBe('false');
      expect(await progress.textContent()).toContain('gateway: 60 of 60 sent at 30/s, 60 answered (60× 200) — done');
      await expect.poll(sentTotal, { timeout: 10_000 }).toBe(before + 60);
      await expect.poll(() => page.getByTestId('load-send').isDisabled()).toBe(false);
    }, 60_000);

    it('sends a burst through the client pod’s sidecar to svc-v from the load button; the client’s share of the split grows by its count', async () => {
      const rows = page.getByTestId('split-row');
      const sentTotal = async () => (await rows.locator('[data-testid="counts"]').allTextContents()).map((t) => Number(t.split('/')[1])).reduce((a, b) => a + b, 0);
      const before = await sentTotal();
      await page.getByTestId('load-entry').selectOption('client');
      // The URLs offered are the client node's declared backends, from its sidecar's configuration.
      expect(await page.getByTestId('load-target').locator('option').allTextContents()).toEqual(['http://svc-v.mesh-test.svc.cluster.local/']);
      await page.getByTestId('load-count').fill('40');
      await page.getByTestId('load-rate').fill('40');
      await page.getByTestId('load-send').click();
      const progress = page.getByTestId('load-progress');
      await expect.poll(() => progress.textContent(), { timeout: 15_000 }).toContain('client → http://svc-v.mesh-test.svc.cluster.local/: 40 of 40 sent at 40/s, 40 answered (40× 200) — done');
      await expect.poll(sentTotal, { timeout: 10_000 }).toBe(before + 40);
      await page.getByTestId('load-entry').selectOption('gateway');
    }, 60_000);

    it('shows health from the proxies, the egress filter, undeclared calls and the gateway’s access log', async () => {
      const node = (id: string) => page.locator(`[data-testid="topology-node"][data-id="${id}"]`);
      // Both ColorTellers: the callers' clusters hold every endpoint, none ejected.
      for (const vnode of ['vnode-1', 'vnode-2']) {
        await expect.poll(() => node(`node:main/mesh-test/${vnode}`).getAttribute('data-health'), { timeout: 10_000 }).toBe('healthy');
        expect(await node(`node:main/mesh-test/${vnode}`).getAttribute('aria-label')).toMatch(/healthy: 1 endpoint, none ejected$/);
      }
      const instances = page.locator('[data-testid="topology-node"][data-tier="instance"]');
      expect(new Set(await instances.evaluateAll((els) => els.map((e) => e.getAttribute('data-health'))))).toEqual(new Set(['healthy']));
      expect(await page.getByTestId('egress').allTextContents()).toEqual(['↷ mesh mesh-1: egress ALLOW_ALL (undeclared hosts pass through)']);

      // svc-1 is a Kubernetes Service, not a backend the client node declares: under ALLOW_ALL
      // its sidecar passes the calls through, around the router, and counts them.
      const client = node('instance:mesh-basics/main/mesh-test/client/0');
      expect(await client.getAttribute('data-undeclared')).toBeNull();
      const proxy = new URL(started.run.urls.entries.client!);
      for (let i = 0; i < 3; i++) {
        const status = await new Promise<number>((resolve, reject) => {
          const req = request({ host: proxy.hostname, port: proxy.port, path: 'http://svc-1.mesh-test.svc.cluster.local/', headers: { host: 'svc-1.mesh-test.svc.cluster.local' }, agent: false }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode!));
          });
          req.on('error', reject);
          req.end();
        });
        expect(status).toBe(200);
      }
      await expect.poll(() => client.getAttribute('data-undeclared'), { timeout: 10_000 }).toBe('3,0');
      // The box is narrow: the count shows there (its word may be cut), the whole account in its label.
      expect(await client.locator('.undeclared-text').textContent()).toMatch(/^↷ 3 undecl/);
      expect(await client.getAttribute('aria-label')).toContain('↷ undeclared: 3 passed through calls to hosts it does not declare as backends');

      // gateway-v logs to /dev/stdout: its lines of the bursts above are in the tail.
      const lines = page.getByTestId('access-log-line');
      await expect.poll(() => lines.count(), { timeout: 10_000 }).toBeGreaterThan(0);
      const gatewayLines = await page.locator('[data-testid="access-log-line"][data-proxy="gateway-v"]').evaluateAll((els) => els.map((e) => [e.getAttribute('data-status'), e.textContent]));
      expect(gatewayLines.length).toBeGreaterThan(0);
      for (const [status, text] of gatewayLines) {
        expect(status).toBe('200');
        expect(text).toMatch(/gateway-v \[\d{4}-\d\d-\d\dT[^\]]+\] "GET \/ HTTP\/1\.1" 200 /);
      }

      await expectProjectorShot(page, errors, 'mesh-console-observed', 'mesh-basics');
    }, 60_000);

    it('says tracing is off in the traces tab, since mesh-basics does not enable it', async () => {
      await page.getByTestId('tab-traces').click();
      expect(await page.getByTestId('tracing-off').textContent()).toContain('Tracing is off in this walkthrough');
      await page.getByTestId('tab-topology').click();
      await expect.poll(() => page.getByTestId('topology-node').count()).toBeGreaterThan(0);
    });

    it('shows a step that cannot come up as failed, and keeps showing the step the run went back to', async () => {
      expect(await page.getByTestId('step-next').getAttribute('aria-label')).toBe('Next step: broken');
      await page.getByTestId('step-next').click();
      const outcome = page.getByTestId('step-outcome');
      await expect.poll(() => outcome.count(), { timeout: 60_000 }).toBe(1);
      expect(await outcome.getAttribute('data-kind')).toBe('failed');
      expect(await outcome.getAttribute('role')).toBe('alert');
      expect(await outcome.textContent()).toMatch(/Step broken failed: step "broken" failed \(.*doomed.*\); the run is back at step "mesh"\.$/);
      expect(await page.getByTestId('current-step').textContent()).toBe('mesh');
      expect(started.run.step).toBe('mesh');
      await expect.poll(async () => (await page.locator('[data-testid="topology-node"][data-tier="instance"] .node-label').allTextContents()).some((l) => l.includes('doomed'))).toBe(false);
      await expect.poll(() => page.getByTestId('step-next').isDisabled()).toBe(false);
      // Chromium logs every 500 it receives; that answer is the one the page just explained.
      expect(errors).toEqual(['Failed to load resource: the server responded with a status of 500 (Internal Server Error)']);
    }, 90_000);

    it('reaches the topology’s boxes and the chart with the keyboard', async () => {
      const seen = new Set<string>();
      await page.locator('body').focus();
      for (let i = 0; i < 50; i++) {
        await page.keyboard.press('Tab');
        seen.add((await page.evaluate("document.activeElement?.getAttribute('data-testid') ?? ''")) as string);
      }
      expect(seen).toContain('topology-node');
      expect(seen).toContain('split-chart');
      expect(seen).toContain('step-next');
      expect(seen).toContain('tab-topology');
      expect(seen).toContain('load-send');
      const label = await page.locator('[data-testid="topology-node"][data-tier="router"]').getAttribute('aria-label');
      expect(label).toBe('Virtual routers: vrouter-1 (router :80)');
    });
  });

  it('tells a connected page that the run stopped', async () => {
    const stopped = firstEvent<object>(`${base}/v1/console/events`, 'stopped', 30_000);
    await new Promise((r) => setTimeout(r, 300));
    const stopping = started.stop();
    await expect(stopped).resolves.toEqual({});
    expect(await stopping, 'processes left behind').toEqual([]);
  }, 60_000);
});
