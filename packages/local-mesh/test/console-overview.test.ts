/**
 * The overview `pnpm dev` serves: rows from the runs (step, readiness, restarts, an in-flight
 * change), the HTML escaped, the server's answers to other paths and methods, and a taken port.
 */
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { overviewHtml, overviewRows, startOverview, type Overview, type OverviewRun } from '../src/console/overview.js';

function run(name: string, step: string, processes: { ready: boolean; restarts: number }[], applyingStep?: string): OverviewRun {
  return {
    walkthrough: { name, title: `${name} <title> & "more"`, steps: [{ name: 'one' }, { name: 'two' }, { name: 'three' }] },
    step,
    applyingStep,
    consoleUrl: `http://127.0.0.1:1${name.length}/console/`,
    processStates: () => processes,
  };
}

const runs = [
  run('alpha', 'two', [
    { ready: true, restarts: 0 },
    { ready: true, restarts: 2 },
  ]),
  run('beta', 'three', [
    { ready: true, restarts: 1 },
    { ready: false, restarts: 3 },
  ], 'one'),
];

describe('overview rows', () => {
  it('counts ready processes and restarts, places the step, and names a change in flight', () => {
    expect(overviewRows(runs)).toEqual([
      { walkthrough: 'alpha', title: 'alpha <title> & "more"', step: 'two', stepNumber: 2, steps: 3, ready: 2, processes: 2, restarts: 2, console: 'http://127.0.0.1:15/console/' },
      { walkthrough: 'beta', title: 'beta <title> & "more"', step: 'three', stepNumber: 3, steps: 3, applying: 'one', ready: 1, processes: 2, restarts: 4, console: 'http://127.0.0.1:14/console/' },
    ]);
  });

  it('renders a row per walkthrough with a link to its console, escaped, health as words not only colour', () => {
    const html = overviewHtml(overviewRows(runs));
    expect(html.match(/<tr data-walkthrough=/g)).toHaveLength(2);
    expect(html).toContain('<a href="http://127.0.0.1:15/console/" data-field="console">');
    expect(html).toContain('alpha &#60;title&#62; &#38; &#34;more&#34;');
    expect(html).not.toContain('<title> &');
    expect(html).toContain('✓ ready 2/2');
    expect(html).toContain('… starting or failing 1/2');
    expect(html).toContain('applying one…');
  });
});

describe('overview server', () => {
  let overview: Overview | undefined;
  afterEach(async () => {
    await overview?.close();
    overview = undefined;
  });

  it('serves the page and the JSON on 127.0.0.1; other paths 404, other methods 405, with the reason', async () => {
    overview = await startOverview(runs, 0);
    expect(overview.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(overview.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('data-walkthrough="beta"');
    const json = (await (await fetch(new URL('/overview.json', overview.url))).json()) as { walkthrough: string }[];
    expect(json.map((r) => r.walkthrough)).toEqual(['alpha', 'beta']);
    const missing = await fetch(new URL('/console/', overview.url));
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toContain('no page /console/ here');
    const post = await fetch(overview.url, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(((await post.json()) as { error: string }).error).toBe('POST is not allowed on /; use GET');
  });

  it('falls back to a port of the system’s choosing when its own is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    try {
      overview = await startOverview(runs, taken);
      expect(overview.url).not.toBe(`http://127.0.0.1:${taken}/`);
      expect((await fetch(overview.url)).status).toBe(200);
    } finally {
      blocker.close();
    }
  });

  it('refuses a port that is not one', async () => {
    await expect(startOverview(runs, 70000)).rejects.toThrow('overview port must be an integer 0–65535, got 70000');
    await expect(startOverview(runs, 1.5)).rejects.toThrow('got 1.5');
  });
});
