/**
 * `pnpm dev`'s overview keeps itself current in Chromium: a step change (and a change in flight,
 * and readiness) shows up in the open page without a reload, read from /overview.json at most
 * once every 2 s — no polling storm. The runs are the overview's own interface, changed by hand:
 * what is tested is the page, not a mesh.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumForTests } from '@amw/dev-stack/testing';
import { OVERVIEW_REFRESH_MS, startOverview, type Overview, type OverviewRun } from '../../src/console/overview.js';
import { openProjectorPage } from './projector-page.js';

const chromium = chromiumForTests();

describe.runIf(chromium)('the pnpm dev overview in Chromium', () => {
  const state = { step: 'v1-only', applying: undefined as string | undefined, ready: false };
  const run: OverviewRun = {
    walkthrough: { name: 'dj-kong-ingress', title: 'DJ <app>', steps: [{ name: 'v1-only' }, { name: 'canary' }, { name: 'kong-ingress' }] },
    get step() {
      return state.step;
    },
    get applyingStep() {
      return state.applying;
    },
    consoleUrl: 'http://127.0.0.1:1/console/',
    processStates: () => [
      { ready: true, restarts: 0 },
      { ready: state.ready, restarts: 1 },
    ],
  };
  let overview: Overview;
  let browser: Browser;
  let page: Page;
  let errors: string[] = [];
  const fetches: number[] = [];

  beforeAll(async () => {
    overview = await startOverview([run], 0);
    ({ browser, page, errors } = await openProjectorPage(chromium!));
    page.on('request', (r) => {
      if (r.url().endsWith('/overview.json')) fetches.push(Date.now());
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await overview?.close();
  });

  it('shows a step change, a change in flight and readiness without a reload, fetching at most every 2 s', async () => {
    await page.goto(overview.url);
    const cell = (field: string) => page.locator(`tr[data-walkthrough="dj-kong-ingress"] [data-field="${field}"]`);
    expect(await cell('step').textContent()).toBe('v1-only (1 of 3)');
    expect(await cell('health').textContent()).toBe('… starting or failing 1/2');
    // Navigations would reset this; a live update keeps it.
    await page.evaluate('window.__sameDocument = true');

    state.applying = 'canary';
    await expect.poll(() => cell('step').textContent(), { timeout: 6000 }).toBe('v1-only (1 of 3)applying canary…');
    state.step = 'canary';
    state.applying = undefined;
    state.ready = true;
    await expect.poll(() => cell('step').textContent(), { timeout: 6000 }).toBe('canary (2 of 3)');
    await expect.poll(() => cell('health').textContent(), { timeout: 6000 }).toBe('✓ ready 2/2');
    expect(await cell('health').getAttribute('class')).toBe('ok');
    expect(await page.evaluate('window.__sameDocument')).toBe(true);

    const gaps = fetches.slice(1).map((t, i) => t - fetches[i]!);
    expect(fetches.length).toBeGreaterThanOrEqual(2);
    // setTimeout never fires early; a little slack for the clock the two processes read.
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(OVERVIEW_REFRESH_MS - 50);
    expect(errors).toEqual([]);
  }, 30_000);

  it('says so when the dev process stops answering, and keeps the last rows', async () => {
    await overview.close();
    await expect.poll(() => page.locator('#live').textContent(), { timeout: 6000 }).toMatch(/^not updated: .*; retrying$/);
    expect(await page.locator('tr[data-walkthrough="dj-kong-ingress"] [data-field="step"]').textContent()).toBe('canary (2 of 3)');
    overview = { url: '', close: async () => {} };
  }, 15_000);
});
