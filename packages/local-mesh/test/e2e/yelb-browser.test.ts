/**
 * The Yelb page in a real headless Chromium, served through the local mesh of yelb-multi-account:
 * browser → yelb-ui's sidecar (frontend cluster) → the UI → its sidecar → the appserver found in
 * Cloud Map (backend cluster) → Postgres and Redis through TCP sidecars.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chromiumForTests, postgresForTests, redisForTests } from '@amw/dev-stack/testing';
import { getWalkthrough } from '@amw/mesh-manifests';
import { artifactsDir, walkthroughOnProjector } from './projector-page.js';

const chromium = chromiumForTests();
const postgres = chromium ? await postgresForTests('localmesh_browser') : undefined;
const redis = postgres ? await redisForTests() : undefined;

// File-level: after the describe block's own hooks have stopped the walkthrough.
afterAll(async () => {
  await postgres?.drop();
  await redis?.release();
});

describe.runIf(postgres && redis)('Yelb through the mesh, in Chromium', () => {
  const run = walkthroughOnProjector(chromium, getWalkthrough('yelb-multi-account'), undefined, { postgres: postgres!, redis: redis! });

  it('shows the chart, four cards, the page views and the appserver’s pod, and counts a vote on screen', async () => {
    await run.page.goto(run.started.run.urls.entries.ui!);
    await expect.poll(() => run.page.locator('article.card').count(), { timeout: 15_000 }).toBe(4);
    expect(await run.page.getByTestId('votes-chart').getAttribute('role')).toBe('img');
    const appserver = run.started.run.instanceList().find((i) => i.workload.metadata.name === 'yelb-appserver')!;
    await expect.poll(() => run.page.getByTestId('stats').textContent()).toContain(`App Server: ${appserver.podName}`);
    expect(await run.page.getByTestId('stats').textContent()).toMatch(/Number of page views so far: \d+/);

    const count = async () => Number(await run.page.getByTestId('count-ihop').textContent());
    // Until the first getvotes has answered, the card shows a placeholder, not a number.
    await expect.poll(async () => /^\d+$/.test((await run.page.getByTestId('count-ihop').textContent()) ?? '')).toBe(true);
    const before = await count();
    await run.page.getByRole('button', { name: 'Vote for IHOP' }).click();
    await expect.poll(count).toBe(before + 1);
    await expect.poll(async () => JSON.parse((await run.page.getByTestId('votes-chart').getAttribute('data-drawn-values')) ?? '[]')[0]).toBe(before + 1);

    await mkdir(artifactsDir, { recursive: true });
    await run.page.screenshot({ path: join(artifactsDir, 'yelb-through-the-mesh.png') });
  }, 60_000);

  it('every request went through the UI’s sidecar, and its calls through the mesh to the appserver', async () => {
    const admin = run.started.run.urls.admin['frontend:yelb-ui']!;
    const stats = await (await fetch(`${admin}/stats`)).text();
    expect(stats).toMatch(/http\.ingress\.downstream_rq_2xx: [1-9]/);
    expect(stats).toMatch(/cluster\.cds_egress_am-multi-account-mesh_yelb-appserver_yelb_http_4567\.upstream_rq_2xx: [1-9]/);
  });
});
