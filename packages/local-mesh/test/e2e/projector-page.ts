/**
 * A page in headless Chromium the size of a workshop projector (1280×720), with motion reduced
 * so charts draw at once and screenshots show them whole, and every error the page logs kept
 * for the test to assert on.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect } from 'vitest';
import type { TestChromium, TestPostgres, TestRedis } from '@amw/dev-stack/testing';
import type { Walkthrough } from '@amw/mesh-manifests';
import { chromium as playwright, type Browser, type Page } from 'playwright-core';
import { useWalkthrough, type Started } from './harness.js';

export interface ProjectorPage {
  browser: Browser;
  page: Page;
  /** Console errors and uncaught exceptions of the page, in order. */
  errors: string[];
}

export async function openProjectorPage(chromium: TestChromium): Promise<ProjectorPage> {
  const browser = await playwright.launch(chromium);
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 }, reducedMotion: 'reduce' });
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  return { browser, page, errors };
}

/** Where screenshots go as test artifacts (git-ignored; `TEST_ARTIFACTS_DIR` overrides). */
export const artifactsDir = process.env.TEST_ARTIFACTS_DIR || fileURLToPath(new URL('../../test-artifacts', import.meta.url));
/** The guides' and READMEs' console images: rewritten only when asked, so CI never changes repo files. */
export const referenceImagesDir = fileURLToPath(new URL('../../../../docs/images/console/', import.meta.url));
export const updateReferenceImages = process.env.AMW_UPDATE_SCREENSHOTS === '1';

/**
 * Saves the page at 1280×720 as `<artifact>.png` in the artifacts folder and, with
 * AMW_UPDATE_SCREENSHOTS=1, as `docs/images/console/<reference>.png` too. Resolves the paths written.
 */
export async function saveScreenshot(page: Page, artifact: string, reference?: string): Promise<string[]> {
  await mkdir(artifactsDir, { recursive: true });
  const written = [join(artifactsDir, `${artifact}.png`)];
  const png = await page.screenshot({ path: written[0]! });
  if (reference !== undefined && updateReferenceImages) {
    await mkdir(referenceImagesDir, { recursive: true });
    const path = join(referenceImagesDir, `${reference}.png`);
    await writeFile(path, png);
    written.push(path);
  }
  return written;
}

/** The page's scroll size: at most 1280×720 means the projector shows everything without scrolling. */
export async function scrollSize(page: Page): Promise<[number, number]> {
  // A string: this package's TypeScript has no DOM types, the browser runs it as it is.
  return (await page.evaluate('[document.documentElement.scrollWidth, document.documentElement.scrollHeight]')) as [number, number];
}

/**
 * For one describe block: the walkthrough started at `step` (else its last one) with `backing`, and
 * a projector page, both stopped after its tests, with a check that no process was left behind.
 * Read the fields inside tests: they are set by the block's beforeAll.
 */
export function walkthroughOnProjector(
  chromium: TestChromium | undefined,
  walkthrough: Walkthrough,
  step?: string,
  backing: { postgres?: TestPostgres; redis?: TestRedis } = {},
): { readonly started: Started; readonly page: Page; readonly errors: string[] } {
  const run = useWalkthrough(walkthrough, backing, step);
  let opened: ProjectorPage | undefined;
  beforeAll(async () => {
    opened = await openProjectorPage(chromium!);
  }, 60_000);
  // Registered after the walkthrough's: hooks run in reverse, so the browser closes first.
  afterAll(async () => {
    await opened?.browser.close();
  });
  return {
    get started() {
      return run.started;
    },
    get page() {
      return opened!.page;
    },
    get errors() {
      return opened!.errors;
    },
  };
}

/** The page fits the projector (no scrolling) and is saved as a screenshot; the page logged no error. */
export async function expectProjectorShot(page: Page, errors: string[], artifact: string, reference?: string): Promise<void> {
  const [width, height] = await scrollSize(page);
  expect(width).toBeLessThanOrEqual(1280);
  expect(height).toBeLessThanOrEqual(720);
  await saveScreenshot(page, artifact, reference);
  expect(errors).toEqual([]);
}
