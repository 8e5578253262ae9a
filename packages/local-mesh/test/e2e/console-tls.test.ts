/**
 * TLS and health in the mesh console of ingress-gateway-ecs: at partial-tls the gateway sends TLS
 * to every ColorTeller but only white's listener takes it, so the page marks white's edge TLS,
 * the others' a mismatch, and their nodes unhealthy (the gateway's health checks fail over TLS);
 * at full-tls every edge is TLS and every node healthy again. One run, moved between the steps.
 */
import { describe, expect, it } from 'vitest';
import { chromiumForTests } from '@amw/dev-stack/testing';
import { getWalkthrough } from '@amw/mesh-manifests';
import { expectProjectorShot, walkthroughOnProjector } from './projector-page.js';

const chromium = chromiumForTests();
const walkthrough = getWalkthrough('ingress-gateway-ecs');
const COLORS = ['white', 'blue', 'black', 'red'] as const;
const nodeId = (color: string) => `node:main//colorteller-${color}-vn`;

describe.runIf(chromium)('TLS and health of ingress-gateway-ecs in the mesh console', () => {
  const run = walkthroughOnProjector(chromium, walkthrough, 'partial-tls');

  /** TLS mark of the router edge into each ColorTeller, and each ColorTeller's health. */
  const state = async () =>
    Object.fromEntries(
      await Promise.all(
        COLORS.map(async (color) => {
          const edge = run.page.locator(`[data-testid="topology-edge"][data-to="${nodeId(color)}"]`);
          const node = run.page.locator(`[data-testid="topology-node"][data-id="${nodeId(color)}"]`);
          return [color, `${await edge.getAttribute('data-tls')} ${await node.getAttribute('data-health')}`] as const;
        }),
      ),
    );

  it('marks the one TLS edge, the mismatched ones, and the nodes whose health checks fail at partial-tls', async () => {
    await run.page.goto(run.started.run.consoleUrl);
    await expect.poll(() => run.page.getByTestId('connection').textContent(), { timeout: 15_000 }).toContain('live');
    // Two failed checks 5 s apart make an endpoint unhealthy, as Envoy's unhealthy_threshold.
    await expect.poll(state, { timeout: 30_000, interval: 500 }).toEqual({ white: 'tls healthy', blue: 'mismatch unhealthy', black: 'mismatch unhealthy', red: 'mismatch unhealthy' });
    const labels = await run.page.locator(`[data-testid="topology-edge"][data-to="${nodeId('blue')}"] [data-testid="tls-label"]`).allTextContents();
    expect(labels).toEqual(['✕ TLS mismatch']);
    expect(await run.page.locator(`[data-testid="topology-edge"][data-to="${nodeId('white')}"] [data-testid="tls-label"]`).allTextContents()).toEqual(['▣ TLS']);
    const blue = run.page.locator(`[data-testid="topology-node"][data-id="${nodeId('blue')}"]`);
    expect(await blue.getAttribute('aria-label')).toContain('unhealthy: every endpoint failing its health checks for a caller');
    expect(await blue.locator('[data-testid="health-mark"]').textContent()).toBe('✕');
    await expectProjectorShot(run.page, run.errors, 'mesh-console-partial-tls', 'ingress-gateway-ecs-partial-tls');
  }, 60_000);

  it('shows TLS on every edge into the ColorTellers, all healthy, at full-tls', async () => {
    await run.started.run.applyStep('full-tls');
    await expect.poll(state, { timeout: 30_000, interval: 500 }).toEqual({ white: 'tls healthy', blue: 'tls healthy', black: 'tls healthy', red: 'tls healthy' });
    expect(await run.page.getByTestId('egress').allTextContents()).toEqual(['⊘ mesh ColorApp-Ingress: egress DROP_ALL (only declared backends; anything else 404 NR)']);
    // Requests through the gateway fill both routers' splits for the picture.
    for (const path of ['/color1/tell', '/color2/tell']) {
      for (let i = 0; i < 40; i++) {
        const res = await fetch(`${run.started.run.urls.entries.gateway}${path}`);
        await res.arrayBuffer();
        expect(res.status, path).toBe(200);
      }
    }
    await expect.poll(async () => (await run.page.getByTestId('observed').allTextContents()).every((t) => t.endsWith('%')), { timeout: 10_000 }).toBe(true);
    await expectProjectorShot(run.page, run.errors, 'mesh-console-full-tls', 'ingress-gateway-ecs');
  }, 90_000);
});
