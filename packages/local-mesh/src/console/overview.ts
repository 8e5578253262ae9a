/**
 * The page `pnpm dev` prints first: every walkthrough it started, at which step, how healthy
 * (ready/total processes, restarts) and a link to each one's mesh console. Six consoles on six
 * ports are hard to keep track of; this is the one URL to bookmark. Served by the dev process
 * itself, on loopback only, rendered on each request from the runs in memory, so it needs no
 * build and no script to show the current state.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the overview reads of a run (`WalkthroughRun` has all of it). */
export interface OverviewRun {
  readonly walkthrough: { name: string; title: string; steps: readonly { name: string }[] };
  readonly step: string;
  readonly applyingStep: string | undefined;
  readonly consoleUrl: string;
  processStates(): { ready: boolean; restarts: number }[];
}

export interface OverviewRow {
  walkthrough: string;
  title: string;
  step: string;
  /** 1-based position of the step, and how many steps the walkthrough has. */
  stepNumber: number;
  steps: number;
  applying?: string;
  ready: number;
  processes: number;
  restarts: number;
  console: string;
}

export function overviewRows(runs: readonly OverviewRun[]): OverviewRow[] {
  return runs.map((run) => {
    const processes = run.processStates();
    const applying = run.applyingStep;
    return {
      walkthrough: run.walkthrough.name,
      title: run.walkthrough.title,
      step: run.step,
      stepNumber: run.walkthrough.steps.findIndex((s) => s.name === run.step) + 1,
      steps: run.walkthrough.steps.length,
      ...(applying !== undefined ? { applying } : {}),
      ready: processes.filter((p) => p.ready).length,
      processes: processes.length,
      restarts: processes.reduce((sum, p) => sum + p.restarts, 0),
      console: run.consoleUrl,
    };
  });
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page: a plain table, so it reads well without scripts and to a screen reader. */
export function overviewHtml(rows: readonly OverviewRow[]): string {
  const body = rows
    .map((r) => {
      const healthy = r.ready === r.processes;
      // A symbol and a word as well as a colour: the state must not rest on red/green alone.
      const health = `${healthy ? '✓ ready' : '… starting or failing'} ${r.ready}/${r.processes}`;
      return `<tr data-walkthrough="${escape(r.walkthrough)}">
<th scope="row">${escape(r.walkthrough)}<div class="title">${escape(r.title)}</div></th>
<td data-field="step">${escape(r.step)} <span class="muted">(${r.stepNumber} of ${r.steps})</span>${r.applying !== undefined ? `<div>applying ${escape(r.applying)}…</div>` : ''}</td>
<td data-field="health" class="${healthy ? 'ok' : 'warn'}">${escape(health)}</td>
<td data-field="restarts">${r.restarts}</td>
<td><a href="${escape(r.console)}" data-field="console">console of ${escape(r.walkthrough)}</a></td>
</tr>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Local mesh: every walkthrough</title>
<link rel="icon" href="data:,">
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 16px 24px; color: #1b1f24; background: #f4f6f8; max-width: 1232px; }
h1 { font-size: 20px; margin: 0 0 4px; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid #d0d7de; vertical-align: top; }
thead th { background: #e8ecf0; }
.title, .muted { color: #57606a; font-weight: normal; font-size: 12px; }
.ok { color: #0b4f9c; }
.warn { color: #8a4b00; font-weight: bold; }
a { color: #0b4f9c; }
a:focus-visible { outline: 3px solid #c15c00; outline-offset: 2px; }
</style>
</head>
<body>
<h1>Local mesh: every walkthrough</h1>
<p class="muted">As of <span id="as-of">${escape(new Date().toLocaleTimeString('en-GB'))}</span>; <span id="live" role="status">updated every 2 s while this page is open</span>. Each console shows its walkthrough's topology, splits and traces live and moves it between steps.</p>
<table>
<thead><tr><th scope="col">Walkthrough</th><th scope="col">Step</th><th scope="col">Processes ready</th><th scope="col">Restarts</th><th scope="col">Console</th></tr></thead>
<tbody>
${body}
</tbody>
</table>
<script>${LIVE_SCRIPT}</script>
</body>
</html>
`;
}

/**
 * The page keeps itself current: one GET of /overview.json every 2 s (never more often, and the
 * next only after the last answered), each row's step, health and restarts rewritten in place by
 * textContent (no HTML from the answer is parsed). Without scripts the table is still right as of load.
 */
export const OVERVIEW_REFRESH_MS = 2000;
const LIVE_SCRIPT = `
(() => {
  const live = document.getElementById('live');
  const tick = async () => {
    try {
      const res = await fetch('/overview.json', { cache: 'no-store' });
      if (!res.ok) throw new Error('the dev process answered ' + res.status);
      for (const r of await res.json()) {
        const row = [...document.querySelectorAll('tr[data-walkthrough]')].find((tr) => tr.dataset.walkthrough === r.walkthrough);
        if (!row) continue;
        const step = row.querySelector('[data-field="step"]');
        step.textContent = r.step + ' ';
        const of = document.createElement('span');
        of.className = 'muted';
        of.textContent = '(' + r.stepNumber + ' of ' + r.steps + ')';
        step.append(of);
        if (r.applying !== undefined) {
          const applying = document.createElement('div');
          applying.textContent = 'applying ' + r.applying + '…';
          step.append(applying);
        }
        const healthy = r.ready === r.processes;
        const health = row.querySelector('[data-field="health"]');
        health.className = healthy ? 'ok' : 'warn';
        health.textContent = (healthy ? '✓ ready' : '… starting or failing') + ' ' + r.ready + '/' + r.processes;
        row.querySelector('[data-field="restarts"]').textContent = String(r.restarts);
      }
      document.getElementById('as-of').textContent = new Date().toLocaleTimeString('en-GB');
      live.textContent = 'updated every ${OVERVIEW_REFRESH_MS / 1000} s while this page is open';
    } catch (error) {
      live.textContent = 'not updated: ' + (error instanceof Error ? error.message : String(error)) + '; retrying';
    }
    setTimeout(tick, ${OVERVIEW_REFRESH_MS});
  };
  setTimeout(tick, ${OVERVIEW_REFRESH_MS});
})();
`;

function answer(req: IncomingMessage, res: ServerResponse, runs: readonly OverviewRun[]): void {
  const json = (status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body, null, 2) + '\n');
  };
  const path = new URL(req.url ?? '/', 'http://overview').pathname;
  if (path !== '/' && path !== '/overview.json') return json(404, { error: `no page ${path} here; the overview is / (HTML) and /overview.json` });
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return json(405, { error: `${req.method} is not allowed on ${path}; use GET` });
  }
  if (path === '/overview.json') return json(200, overviewRows(runs));
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(overviewHtml(overviewRows(runs)));
}

export interface Overview {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the overview on 127.0.0.1 at `port`; when that port is taken, on one the system picks
 * (the URL says which), since the overview must not stop `pnpm dev` from starting.
 */
export async function startOverview(runs: readonly OverviewRun[], port: number): Promise<Overview> {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`overview port must be an integer 0–65535, got ${port}`);
  const listen = (p: number) =>
    new Promise<Server>((resolve, reject) => {
      const server = createServer((req, res) => answer(req, res, runs));
      server.once('error', reject);
      server.listen(p, '127.0.0.1', () => {
        server.off('error', reject);
        resolve(server);
      });
    });
  let server: Server;
  try {
    server = await listen(port);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0) throw error;
    server = await listen(0);
  }
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
