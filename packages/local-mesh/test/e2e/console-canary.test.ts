/**
 * The 95:5 canary of dj-kong-ingress as the mesh console sees it: a burst of 1,000 requests from
 * the dj pod to jazz (the route that splits is jazz-router's, applied by dj's sidecar, so the burst
 * goes through the dj entry — a proxy, which the load button does not offer), then the page's
 * observed split must be what the sidecar really sent and inside the 99.9% binomial bounds the
 * checks runner holds a distribution to.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumForTests } from '@amw/dev-stack/testing';
import { percentages } from '@amw/mesh-console';
import { getWalkthrough } from '@amw/mesh-manifests';
import { binomialBounds } from '../../src/checks/runner.js';
import { openProjectorPage } from './projector-page.js';
import { startWalkthrough, type Started } from './harness.js';

const artifactsDir = process.env.TEST_ARTIFACTS_DIR || fileURLToPath(new URL('../../test-artifacts', import.meta.url));
const chromium = chromiumForTests();
const walkthrough = getWalkthrough('dj-kong-ingress');
const SAMPLES = 1000;

describe.runIf(chromium)('the 95:5 canary of dj-kong-ingress, observed in the mesh console', () => {
  let started: Started;
  let browser: Browser;
  let page: Page;
  let errors: string[] = [];

  beforeAll(async () => {
    started = await startWalkthrough(walkthrough, {}, 'canary');
    ({ browser, page, errors } = await openProjectorPage(chromium!));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (started) expect(await started.stop(), 'processes left behind').toEqual([]);
  }, 60_000);

  it(`shows the split of ${SAMPLES} requests from dj to jazz within binomial bounds of 95:5`, async () => {
    await page.goto(started.run.consoleUrl);
    await expect.poll(() => page.getByTestId('connection').textContent(), { timeout: 15_000 }).toContain('live');
    // Metal's router splits 95:5 too; the split drawn for jazz is the one whose targets are jazz's nodes.
    const split = page.locator('[data-testid="split"]').filter({ has: page.locator('[data-target*="jazz-v1"]') });
    await expect.poll(() => page.getByTestId('split').evaluateAll((figs) => figs.map((f) => f.textContent)), { timeout: 10_000 }).toHaveLength(2);
    expect(await split.count()).toBe(1);
    // Counting starts when the page connects: nothing has gone to jazz yet.
    expect(await split.getByTestId('observed').allTextContents()).toEqual(['—', '—']);

    // The walkthrough's own canary request, as `pnpm walkthrough check` sends it.
    const check = walkthrough.checks.find((c) => c.name === 'dj-canary-jazz')!;
    let sent = 0;
    const statuses = new Map<number, number>();
    const worker = async () => {
      while (sent < SAMPLES) {
        sent++;
        const { status } = await started.client.send(check);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect([...statuses]).toEqual([[200, SAMPLES]]);

    const rows = async () =>
      split.getByTestId('split-row').evaluateAll((trs) =>
        trs.map((tr) => {
          const [rq2xx, total] = tr.querySelector('[data-testid="counts"]')!.textContent!.split('/').map((n: string) => Number(n.trim()));
          return { target: tr.getAttribute('data-target')!, weight: Number(tr.querySelector('td')!.textContent), rq2xx: rq2xx!, total: total!, observed: tr.querySelector('[data-testid="observed"]')!.textContent! };
        }),
      );
    // Snapshots come once a second: wait until the page has counted the whole burst.
    await expect.poll(async () => (await rows()).reduce((sum, r) => sum + r.total, 0), { timeout: 10_000, interval: 250 }).toBe(SAMPLES);
    const seen = await rows();
    expect(seen.map((r) => [r.target, r.weight]).sort()).toEqual([
      [expect.stringContaining('jazz-v1'), 95],
      [expect.stringContaining('jazz-v2'), 5],
    ]);
    // Whole percentages that add up to 100, as the page rounds them.
    const shown = percentages(seen.map((r) => r.total / SAMPLES));
    for (const [i, row] of seen.entries()) {
      const { low, high } = binomialBounds(SAMPLES, row.weight / 100);
      expect(row.rq2xx, `${row.target}: every request it was sent answered 2xx`).toBe(row.total);
      expect(row.total, `${row.target}: ${row.total} of ${SAMPLES}, 99.9% bounds ${low}–${high}`).toBeGreaterThanOrEqual(low);
      expect(row.total, `${row.target}: ${row.total} of ${SAMPLES}, 99.9% bounds ${low}–${high}`).toBeLessThanOrEqual(high);
      expect(row.observed).toBe(`${shown[i]}%`);
    }
    // The chart draws the same shares as the table.
    const drawn = JSON.parse((await split.getByTestId('split-chart').getAttribute('data-drawn-observed'))!) as number[];
    expect(drawn.map((p) => `${p}%`)).toEqual(seen.map((r) => r.observed));

    const fits = (await page.evaluate('[document.documentElement.scrollWidth, document.documentElement.scrollHeight]')) as number[];
    expect(fits[0]).toBeLessThanOrEqual(1280);
    expect(fits[1]).toBeLessThanOrEqual(720);
    await mkdir(artifactsDir, { recursive: true });
    await page.screenshot({ path: join(artifactsDir, 'mesh-console-canary.png') });
    expect(errors).toEqual([]);
  }, 90_000);
});
