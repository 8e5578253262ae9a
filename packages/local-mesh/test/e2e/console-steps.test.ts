/**
 * Moving a real run between steps from the mesh console, in headless Chromium: the canary
 * walkthrough of Yelb (v1-only → canary → promote), where each step changes what the topology
 * shows — a virtual node appears, weights change — and a change started elsewhere (a terminal's
 * `pnpm walkthrough step`) disables the page's buttons while it is in flight. Last, a vote's X-Ray
 * trace opened in the Traces tab.
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chromiumForTests, postgresForTests, redisForTests } from '@amw/dev-stack/testing';
import { getWalkthrough } from '@amw/mesh-manifests';
import { artifactsDir, walkthroughOnProjector } from './projector-page.js';

const chromium = chromiumForTests();
const postgres = chromium ? await postgresForTests('localmesh_console_steps') : undefined;
const redis = postgres ? await redisForTests() : undefined;

// File-level: after the describe block's own hooks have stopped the walkthrough.
afterAll(async () => {
  await postgres?.drop();
  await redis?.release();
});

describe.runIf(postgres && redis)('steps from the mesh console of yelb-canary-observability', () => {
  const run = walkthroughOnProjector(chromium, getWalkthrough('yelb-canary-observability'), 'v1-only', { postgres: postgres!, redis: redis! });

  // By id: a long name is shortened with an ellipsis inside its box.
  const nodes = async () => (await run.page.locator('[data-testid="topology-node"][data-tier="node"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')!.split('/').at(-1)!))).sort();
  const weights = async () => (await run.page.getByTestId('edge-label').allTextContents()).filter((l) => l.includes('weight')).sort();
  const disabled = async () => [await run.page.getByTestId('step-previous').isDisabled(), await run.page.getByTestId('step-next').isDisabled()];

  it('applies the next step from the page: buttons disabled while it is in flight, then the new node and weights', async () => {
    await run.page.goto(run.started.run.consoleUrl);
    await expect.poll(() => run.page.getByTestId('current-step').textContent(), { timeout: 15_000 }).toBe('v1-only');
    expect(await nodes()).not.toContain('yelb-appserver-v2');
    expect(await disabled()).toEqual([true, false]);
    expect(await run.page.getByTestId('step-next').getAttribute('aria-label')).toBe('Next step: canary');

    await run.page.getByTestId('step-next').click();
    // Starting v2's app and sidecar takes a while: long enough to see the change in flight.
    await expect.poll(() => run.page.getByTestId('step-applying').textContent(), { timeout: 5_000 }).toContain('Applying step canary…');
    expect(await disabled()).toEqual([true, true]);
    expect(await run.page.locator('[data-testid="step"]').evaluateAll((buttons) => buttons.map((b) => (b as { disabled: boolean }).disabled))).toEqual([true, true]);

    await expect.poll(() => run.page.getByTestId('step-outcome').textContent(), { timeout: 60_000 }).toContain('Now at step canary.');
    expect(await run.page.getByTestId('step-outcome').getAttribute('data-kind')).toBe('applied');
    await expect.poll(() => run.page.getByTestId('current-step').textContent()).toBe('canary');
    expect(run.started.run.step).toBe('canary');
    await expect.poll(nodes).toContain('yelb-appserver-v2');
    await expect.poll(weights).toEqual([expect.stringContaining('weight 1'), expect.stringContaining('weight 2')]);
    expect(await disabled()).toEqual([false, false]);
  }, 90_000);

  it('disables the buttons while a change started elsewhere is in flight, and follows it', async () => {
    // Back to v1-only from outside the page, as `pnpm walkthrough step` does: v2 is stopped.
    const elsewhere = fetch(new URL('/v1/steps/v1-only', run.started.run.controlPlaneUrl), { method: 'POST' });
    await expect.poll(() => run.page.getByTestId('step-applying').count(), { timeout: 5_000, interval: 20 }).toBe(1);
    expect(await run.page.getByTestId('step-applying').textContent()).toContain('Applying step v1-only…');
    expect(await disabled()).toEqual([true, true]);
    expect((await elsewhere).status).toBe(200);
    await expect.poll(() => run.page.getByTestId('current-step').textContent(), { timeout: 30_000 }).toBe('v1-only');
    await expect.poll(nodes).not.toContain('yelb-appserver-v2');
    expect(await disabled()).toEqual([true, false]);
  }, 60_000);

  it('jumps to any step from the step list, by keyboard', async () => {
    const promote = run.page.locator('[data-testid="step"][data-step="promote"]');
    await promote.focus();
    await run.page.keyboard.press('Enter');
    await expect.poll(() => run.page.getByTestId('step-outcome').textContent(), { timeout: 60_000 }).toContain('Now at step promote.');
    expect(await run.page.getByTestId('current-step').textContent()).toBe('promote');
    expect(run.started.run.step).toBe('promote');
    // Promote sends everything to v2: one weighted edge left.
    await expect.poll(weights).toEqual([expect.stringContaining('weight 1')]);
    await expect.poll(nodes).toContain('yelb-appserver-v2');
    await expect.poll(disabled).toEqual([false, true]);
    const fits = (await run.page.evaluate('[document.documentElement.scrollWidth, document.documentElement.scrollHeight]')) as number[];
    expect(fits[0]).toBeLessThanOrEqual(1280);
    expect(fits[1]).toBeLessThanOrEqual(720);
    expect(run.errors).toEqual([]);
  }, 90_000);
  it('opens a vote’s trace in the Traces tab: one row per hop, nested, with durations', async () => {
    const ui = run.started.run.urls.entries.ui!;
    // A root of our own, as the checks runner's trace check sends, so the test picks exactly this vote's trace.
    const root = `1-${Math.floor(Date.now() / 1000).toString(16).padStart(8, '0')}-${randomBytes(12).toString('hex')}`;
    for (let i = 0; i < 3; i++) expect((await fetch(`${ui}/api/outback`)).status).toBe(200);
    const vote = await fetch(`${ui}/api/outback`, { headers: { 'x-amzn-trace-id': `Root=${root};Sampled=1` } });
    expect(vote.status).toBe(200);

    await run.page.getByTestId('tab-traces').click();
    const item = run.page.locator(`[data-testid="trace-item"][data-trace="${root}"]`);
    await expect.poll(async () => (await run.page.getByTestId('traces-refresh').click(), await item.count()), { timeout: 15_000, interval: 500 }).toBe(1);
    // Each hop's segment arrives over UDP when that hop finishes; reopen until the last one is in.
    const spans = async () => {
      await item.click();
      return run.page.getByTestId('span').evaluateAll((rows) =>
        rows.map((r) => ({ name: r.querySelector('[data-testid="span-name"]')!.textContent!, depth: Number(r.getAttribute('data-depth')), duration: r.querySelector('[data-testid="span-duration"]')!.textContent! })),
      );
    };
    const hops = ['yelb-ui', 'yelb-appserver', 'yelb-db'];
    await expect
      .poll(
        async () => {
          const names = (await spans()).map((s) => s.name);
          return hops.filter((h) => !names.some((n) => n.includes(h)));
        },
        { timeout: 10_000, interval: 300 },
      )
      .toEqual([]);
    const rows = await spans();
    expect(await item.getAttribute('aria-pressed')).toBe('true');
    const depthOf = (hop: string) => rows.find((s) => s.name.includes(hop))!.depth;
    // The waterfall nests each hop under the one that called it: ui's sidecar → appserver → Postgres.
    expect(depthOf('yelb-ui')).toBeLessThan(depthOf('yelb-appserver'));
    expect(depthOf('yelb-appserver')).toBeLessThan(depthOf('yelb-db'));
    for (const row of rows) expect(row.duration, row.name).toMatch(/^\d+(\.\d+)? (ms|s)$/);
    expect(await run.page.getByTestId('waterfall').getAttribute('aria-label')).toContain(root);
    // Bars lie inside the timeline: none starts before it or runs past its end.
    const bars = await run.page.getByTestId('span-bar').evaluateAll((els) => els.map((e) => {
      const { style } = e as unknown as { style: { left: string; width: string } };
      return [parseFloat(style.left), parseFloat(style.width)];
    }));
    expect(bars.length).toBe(rows.length);
    expect(bars.every(([left, width]) => left! >= 0 && width! >= 0 && left! + width! <= 100.001)).toBe(true);

    const fits = (await run.page.evaluate('[document.documentElement.scrollWidth, document.documentElement.scrollHeight]')) as number[];
    expect(fits[0]).toBeLessThanOrEqual(1280);
    expect(fits[1]).toBeLessThanOrEqual(720);
    await mkdir(artifactsDir, { recursive: true });
    await run.page.screenshot({ path: join(artifactsDir, 'mesh-console-trace.png') });
    expect(run.errors).toEqual([]);
  }, 60_000);
});
