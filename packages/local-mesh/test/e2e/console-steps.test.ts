/**
 * Moving a real run between steps from the mesh console, in headless Chromium: the canary
 * walkthrough of Yelb (v1-only → canary → promote), where each step changes what the topology
 * shows — a virtual node appears, weights change — and a change started elsewhere (a terminal's
 * `pnpm walkthrough step`) disables the page's buttons while it is in flight.
 */
import { chromium as playwright, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumForTests, postgresForTests, redisForTests } from '@amw/dev-stack/testing';
import { getWalkthrough } from '@amw/mesh-manifests';
import { startWalkthrough, type Started } from './harness.js';

const chromium = chromiumForTests();
const postgres = chromium ? await postgresForTests('localmesh_console_steps') : undefined;
const redis = postgres ? await redisForTests() : undefined;

describe.runIf(postgres && redis)('steps from the mesh console of yelb-canary-observability', () => {
  let started: Started;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  // By id: a long name is shortened with an ellipsis inside its box.
  const nodes = async () => (await page.locator('[data-testid="topology-node"][data-tier="node"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')!.split('/').at(-1)!))).sort();
  const weights = async () => (await page.getByTestId('edge-label').allTextContents()).filter((l) => l.includes('weight')).sort();
  const disabled = async () => [await page.getByTestId('step-previous').isDisabled(), await page.getByTestId('step-next').isDisabled()];

  beforeAll(async () => {
    started = await startWalkthrough(getWalkthrough('yelb-canary-observability'), { postgres: postgres!, redis: redis! }, 'v1-only');
    browser = await playwright.launch(chromium!);
    page = await browser.newPage({ viewport: { width: 1280, height: 720 }, reducedMotion: 'reduce' });
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (started) expect(await started.stop(), 'processes left behind').toEqual([]);
    await postgres?.drop();
    await redis?.release();
  }, 60_000);

  it('applies the next step from the page: buttons disabled while it is in flight, then the new node and weights', async () => {
    await page.goto(started.run.consoleUrl);
    await expect.poll(() => page.getByTestId('current-step').textContent(), { timeout: 15_000 }).toBe('v1-only');
    expect(await nodes()).not.toContain('yelb-appserver-v2');
    expect(await disabled()).toEqual([true, false]);
    expect(await page.getByTestId('step-next').getAttribute('aria-label')).toBe('Next step: canary');

    await page.getByTestId('step-next').click();
    // Starting v2's app and sidecar takes a while: long enough to see the change in flight.
    await expect.poll(() => page.getByTestId('step-applying').textContent(), { timeout: 5_000 }).toContain('Applying step canary…');
    expect(await disabled()).toEqual([true, true]);
    expect(await page.locator('[data-testid="step"]').evaluateAll((buttons) => buttons.map((b) => (b as { disabled: boolean }).disabled))).toEqual([true, true]);

    await expect.poll(() => page.getByTestId('step-outcome').textContent(), { timeout: 60_000 }).toContain('Now at step canary.');
    expect(await page.getByTestId('step-outcome').getAttribute('data-kind')).toBe('applied');
    await expect.poll(() => page.getByTestId('current-step').textContent()).toBe('canary');
    expect(started.run.step).toBe('canary');
    await expect.poll(nodes).toContain('yelb-appserver-v2');
    await expect.poll(weights).toEqual([expect.stringContaining('weight 1'), expect.stringContaining('weight 2')]);
    expect(await disabled()).toEqual([false, false]);
  }, 90_000);

  it('disables the buttons while a change started elsewhere is in flight, and follows it', async () => {
    // Back to v1-only from outside the page, as `pnpm walkthrough step` does: v2 is stopped.
    const elsewhere = fetch(new URL('/v1/steps/v1-only', started.run.controlPlaneUrl), { method: 'POST' });
    await expect.poll(() => page.getByTestId('step-applying').count(), { timeout: 5_000, interval: 20 }).toBe(1);
    expect(await page.getByTestId('step-applying').textContent()).toContain('Applying step v1-only…');
    expect(await disabled()).toEqual([true, true]);
    expect((await elsewhere).status).toBe(200);
    await expect.poll(() => page.getByTestId('current-step').textContent(), { timeout: 30_000 }).toBe('v1-only');
    await expect.poll(nodes).not.toContain('yelb-appserver-v2');
    expect(await disabled()).toEqual([true, false]);
  }, 60_000);

  it('jumps to any step from the step list, by keyboard', async () => {
    const promote = page.locator('[data-testid="step"][data-step="promote"]');
    await promote.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('step-outcome').textContent(), { timeout: 60_000 }).toContain('Now at step promote.');
    expect(await page.getByTestId('current-step').textContent()).toBe('promote');
    expect(started.run.step).toBe('promote');
    // Promote sends everything to v2: one weighted edge left.
    await expect.poll(weights).toEqual([expect.stringContaining('weight 1')]);
    await expect.poll(nodes).toContain('yelb-appserver-v2');
    await expect.poll(disabled).toEqual([false, true]);
    const fits = (await page.evaluate('[document.documentElement.scrollWidth, document.documentElement.scrollHeight]')) as number[];
    expect(fits[0]).toBeLessThanOrEqual(1280);
    expect(fits[1]).toBeLessThanOrEqual(720);
    expect(errors).toEqual([]);
  }, 90_000);
});
