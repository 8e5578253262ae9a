/**
 * The whole chain a learner uses, in a real headless Chromium: the built page, served by the
 * yelb-ui server, forwarding to a real appserver on real Postgres and Redis. Postgres sits behind
 * a relay the test can take down, to see what a visitor sees when a dependency fails.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromiumForTests, dependencyRelay, postgresForTests, redisForTests, type DependencyRelay } from '@amw/dev-stack/testing';
import { createLogger, type RunningService } from '@amw/service-kit';
import { startAppserver } from '@amw/yelb-appserver';
import { chromium as playwright, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startYelbUi } from '../../src/server/start.js';

const packageDir = fileURLToPath(new URL('../..', import.meta.url));
const artifactsDir = process.env.TEST_ARTIFACTS_DIR || join(packageDir, 'test-artifacts');
const chromium = chromiumForTests();
const postgres = chromium ? await postgresForTests('yelbui') : undefined;
const redis = postgres ? await redisForTests() : undefined;
const quiet = createLogger({ service: 'yelb-ui-browser-test', write: () => {} });
/**
 * Builds the page as `pnpm build` does, in a process of its own: inside Vitest NODE_ENV is
 * `test`, which would give React's development build instead of the one a learner gets.
 */
async function buildPage(outDir: string): Promise<void> {
  const vite = join(packageDir, 'node_modules', 'vite', 'bin', 'vite.js');
  await promisify(execFile)(process.execPath, [vite, 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: packageDir,
    env: { ...process.env, NODE_ENV: 'production' },
  });
}

const RESTAURANT_NAMES = ['IHOP', 'Chipotle', 'Outback', 'Buca di Beppo'];
const ID_OF: Record<string, string> = { IHOP: 'ihop', Chipotle: 'chipotle', Outback: 'outback', 'Buca di Beppo': 'bucadibeppo' };

describe.skipIf(!postgres || !redis)('the Yelb page in Chromium', { timeout: 30_000 }, () => {
  let relay: DependencyRelay;
  let appserver: RunningService;
  let ui: RunningService;
  let siteDir: string;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const foreignRequests: string[] = [];

  beforeAll(async () => {
    relay = await dependencyRelay(postgres!.url);
    appserver = await startAppserver({
      port: 0,
      host: '127.0.0.1',
      databaseUrl: relay.through(postgres!.url),
      redisUrl: redis!.url,
      handleSignals: false,
      hostname: 'yelb-appserver-test',
      logger: quiet,
    });
    // Build the page from the current source, so the test never runs against a stale dist/.
    siteDir = await mkdtemp(join(tmpdir(), 'yelb-ui-web-'));
    await buildPage(siteDir);
    ui = await startYelbUi({ port: 0, host: '127.0.0.1', appserverEndpoint: appserver.url, staticDir: siteDir, env: {}, logger: quiet, handleSignals: false });
    browser = await playwright.launch(chromium!);
    // Reduced motion turns the chart's animation off, so what is on screen is final at once.
    page = await browser.newPage({ viewport: { width: 1280, height: 720 }, reducedMotion: 'reduce' });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      // Chromium logs every non-2xx fetch; the failure tests cause those on purpose.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageErrors.push(message.text());
    });
    page.on('request', (request) => {
      if (!request.url().startsWith(ui.url) && !request.url().startsWith('data:')) foreignRequests.push(request.url());
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await ui?.shutdown();
    await appserver?.shutdown();
    await relay?.close();
    if (siteDir) await rm(siteDir, { recursive: true, force: true });
    await redis?.release();
    await postgres?.drop();
  }, 30_000);

  const card = (name: string) => page.locator(`article.card[data-restaurant="${ID_OF[name]}"]`);
  const shownCount = async (name: string) => Number(await page.getByTestId(`count-${ID_OF[name]}`).textContent());
  const drawnValues = async (): Promise<number[]> => JSON.parse((await page.getByTestId('votes-chart').getAttribute('data-drawn-values')) ?? 'null') as number[];
  const appserverVotes = async (): Promise<Record<string, number>> => {
    const votes = (await (await fetch(`${appserver.url}/api/getvotes`)).json()) as { name: string; value: number }[];
    return Object.fromEntries(votes.map((v) => [v.name, v.value]));
  };
  const expectChartToShow = async (expected: number[]) => {
    await expect.poll(drawnValues).toEqual(expected);
    const labels = JSON.parse((await page.getByTestId('votes-chart').getAttribute('data-drawn-labels')) ?? '[]') as string[];
    expect(labels).toEqual(RESTAURANT_NAMES);
  };

  it('shows the title, the welcome, the chart, four restaurants, page views and the app server', async () => {
    await page.goto(ui.url);
    expect(await page.title()).toBe('Yelb');
    await expect.poll(() => page.getByRole('heading', { level: 2 }).textContent()).toBe('Welcome to Yelb, the only hub for healthy food recommendations!');

    const cards = page.locator('article.card');
    await expect.poll(() => cards.count()).toBe(4);
    const taglines = {
      IHOP: 'Pancakes, for a powerful start!',
      Chipotle: 'Burritos, for a mid-day break!',
      Outback: 'Blooming onion, what else?',
      'Buca di Beppo': 'Lasagne, this is heaven!',
    };
    for (const [name, tagline] of Object.entries(taglines)) {
      expect(await card(name).getByRole('heading', { level: 3 }).textContent()).toBe(name);
      expect(await card(name).locator('.tagline').textContent()).toBe(tagline);
      expect(await card(name).getByRole('button', { name: `Vote for ${name}` }).isEnabled()).toBe(true);
    }

    // A fresh database: every count is 0, on the cards and in what the chart drew.
    await expect.poll(() => shownCount('IHOP')).toBe(0);
    await expectChartToShow([0, 0, 0, 0]);
    expect(await page.getByTestId('votes-chart').getAttribute('role')).toBe('img');

    // This load is the first page view the fresh Redis database has counted.
    await expect.poll(() => page.getByTestId('stats').textContent()).toContain('Number of page views so far: 1');
    expect(await page.getByTestId('stats').textContent()).toContain('App Server: yelb-appserver-test');
  });

  it('counts a vote exactly once, asks for the totals only after it, and the chart agrees', async () => {
    const before = await appserverVotes();
    const seen: string[] = [];
    page.on('request', (request) => seen.push(new URL(request.url()).pathname));

    // Hold the vote at the browser's edge to look at the page while it is pending.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/chipotle', async (route) => {
      await held;
      await route.continue();
    });
    const button = card('Chipotle').getByRole('button', { name: 'Vote for Chipotle' });
    await button.click();
    await expect.poll(() => button.isDisabled()).toBe(true);
    expect(await button.textContent()).toBe('Voting…');
    // A second click on a pending vote must not cast another one.
    await button.click({ force: true });
    expect(seen.filter((p) => p === '/api/getvotes')).toEqual([]);
    expect(await shownCount('Chipotle')).toBe(before.chipotle);

    release();
    await expect.poll(() => shownCount('Chipotle')).toBe(before.chipotle! + 1);
    await expect.poll(() => button.isEnabled()).toBe(true);
    await page.unroute('**/api/chipotle');

    expect(seen.filter((p) => p === '/api/chipotle')).toHaveLength(1);
    expect(seen.indexOf('/api/getvotes')).toBeGreaterThan(seen.indexOf('/api/chipotle'));
    const after = await appserverVotes();
    expect(after).toEqual({ ...before, chipotle: before.chipotle! + 1 });
    for (const name of ['IHOP', 'Outback', 'Buca di Beppo']) expect(await shownCount(name)).toBe(before[ID_OF[name]!]);
    await expectChartToShow([after.ihop!, after.chipotle!, after.outback!, after.bucadibeppo!]);
    await expect.poll(() => page.getByTestId('votes-chart').getAttribute('aria-label')).toContain(`Chipotle ${after.chipotle}`);
  });

  it('says clearly when a vote was not counted, keeps the counts, and lets the visitor vote again', async () => {
    const before = await appserverVotes();
    await relay.down();
    await card('Outback').getByRole('button', { name: 'Vote for Outback' }).click();
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.count()).toBe(1);
    expect(await alert.textContent()).toContain('Your vote for Outback was not counted.');
    expect(await alert.textContent()).toContain('The app server answered 503: postgres is unavailable');
    expect(await shownCount('Outback')).toBe(before.outback);
    await expectChartToShow([before.ihop!, before.chipotle!, before.outback!, before.bucadibeppo!]);
    await mkdir(artifactsDir, { recursive: true });
    await page.screenshot({ path: join(artifactsDir, 'yelb-ui-vote-failed.png') });

    await relay.up();
    await expect.poll(async () => (await fetch(`${appserver.url}/api/getvotes`)).status, { timeout: 15_000 }).toBe(200);
    await alert.getByRole('button', { name: 'Vote again' }).click();
    await expect.poll(() => shownCount('Outback')).toBe(before.outback! + 1);
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(await appserverVotes()).toEqual({ ...before, outback: before.outback! + 1 });
  });

  it('shows a network failure as a message that can be dismissed', async () => {
    const before = await shownCount('Buca di Beppo');
    await page.route('**/api/bucadibeppo', (route) => route.abort('connectionrefused'));
    await card('Buca di Beppo').getByRole('button', { name: 'Vote for Buca di Beppo' }).click();
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.count()).toBe(1);
    expect(await alert.textContent()).toContain('The Yelb server could not be reached');
    await alert.getByRole('button', { name: 'Dismiss this message' }).click();
    await expect.poll(() => page.getByRole('alert').count()).toBe(0);
    expect(await shownCount('Buca di Beppo')).toBe(before);
    await page.unroute('**/api/bucadibeppo');
  });

  it('fits a 1280×720 projector without scrolling, and saves a screenshot', async () => {
    // A realistic spread of votes for the picture.
    for (const [id, n] of [['ihop', 6], ['chipotle', 3], ['outback', 4], ['bucadibeppo', 2]] as const) {
      for (let i = 0; i < n; i++) await fetch(`${appserver.url}/api/${id}`);
    }
    await page.reload();
    const votes = await appserverVotes();
    await expectChartToShow([votes.ihop!, votes.chipotle!, votes.outback!, votes.bucadibeppo!]);
    await expect.poll(() => page.getByTestId('pageviews').textContent()).toBe('2');
    for (const name of RESTAURANT_NAMES) {
      const box = await card(name).getByRole('button', { name: `Vote for ${name}` }).boundingBox();
      expect(box, name).not.toBeNull();
      expect(box!.y + box!.height, name).toBeLessThanOrEqual(720);
    }
    await page.evaluate(() => document.fonts.ready);
    await mkdir(artifactsDir, { recursive: true });
    await page.screenshot({ path: join(artifactsDir, 'yelb-ui.png') });
  });

  it('works on a phone: one column, nothing wider than the screen', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, reducedMotion: 'reduce' });
    try {
      await phone.goto(ui.url);
      await expect.poll(() => phone.getByTestId('count-ihop').textContent()).not.toBe('–');
      expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      const boxes = await phone.locator('article.card').evaluateAll((cards) => cards.map((c) => c.getBoundingClientRect().x));
      expect(new Set(boxes.map(Math.round)).size).toBe(1);
      const before = (await appserverVotes()).ihop!;
      await phone.getByRole('button', { name: 'Vote for IHOP' }).tap();
      await expect.poll(() => phone.getByTestId('count-ihop').textContent()).toBe(String(before + 1));
      await phone.screenshot({ path: join(artifactsDir, 'yelb-ui-phone.png'), fullPage: true });
    } finally {
      await phone.close();
    }
  });

  it('loaded nothing from outside the server and logged no errors', () => {
    expect(foreignRequests).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
