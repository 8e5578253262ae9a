/**
 * A page in headless Chromium the size of a workshop projector (1280×720), with motion reduced
 * so charts draw at once and screenshots show them whole, and every error the page logs kept
 * for the test to assert on.
 */
import type { TestChromium } from '@amw/dev-stack/testing';
import { chromium as playwright, type Browser, type Page } from 'playwright-core';

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
