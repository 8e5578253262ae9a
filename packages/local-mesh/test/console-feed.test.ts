/**
 * The console's answers that need no running mesh: a run that is stopped or still starting, a
 * console that was never built, and the load button's endpoint against a local HTTP server.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { getWalkthrough } from '@amw/mesh-manifests';
import type { LoadProgress } from '@amw/mesh-console';
import { ConsoleFeed, type ConsoleSource } from '../src/console/feed.js';
import { LoadBurst } from '../src/console/load.js';
import type { MeshWorld } from '../src/control-plane/world.js';
import type { ProxyConfig } from '../src/proxy/config.js';

let server: Server | undefined;
let target: Server | undefined;
let feed: ConsoleFeed | undefined;
afterEach(async () => {
  feed?.close();
  feed = undefined;
  for (const s of [server, target]) if (s) await new Promise((r) => s.close(r));
  server = undefined;
  target = undefined;
});

async function serve(feed: ConsoleFeed): Promise<string> {
  server = createServer((req, res) => {
    if (!feed.handle(req, res)) res.writeHead(418).end();
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

const source = (overrides: Partial<ConsoleSource>): ConsoleSource => ({
  walkthrough: getWalkthrough('mesh-basics'),
  step: () => 'mesh',
  applying: () => undefined,
  processes: () => [],
  world: () => {
    throw new Error('the run has not started');
  },
  target: () => ({ name: 'appmesh' }),
  configs: () => [],
  loadEntries: () => [],
  tracing: () => false,
  stopped: () => false,
  ...overrides,
});

async function answer(url: string): Promise<[number, string]> {
  const res = await fetch(url);
  return [res.status, ((await res.json()) as { error: string }).error];
}

describe('ConsoleFeed', () => {
  it('answers 503 on every console path once the run is stopped', async () => {
    const base = await serve(new ConsoleFeed(source({ stopped: () => true })));
    for (const path of ['/v1/console/events', '/console/', '/v1/console/other']) {
      expect(await answer(base + path)).toEqual([503, 'the run of mesh-basics is stopped']);
    }
  });

  it('answers 503 on the events of a run that is still starting', async () => {
    const base = await serve(new ConsoleFeed(source({})));
    expect(await answer(`${base}/v1/console/events`)).toEqual([503, 'mesh-basics is still starting; try again once it is ready']);
  });

  it('says how to build the page when it is not built, and leaves other paths to the run', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'amw-console-'));
    try {
      const base = await serve(new ConsoleFeed(source({}), { webRoot: empty }));
      const [status, error] = await answer(`${base}/console/`);
      expect(status).toBe(503);
      expect(error).toContain('the mesh console is not built: run `pnpm build`');
      expect((await fetch(`${base}/v1/state`)).status).toBe(418);
      expect((await fetch(`${base}/consoles`)).status).toBe(418);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('POST /v1/console/load', () => {
  /** A stand-in load balancer: answers 200, except 503 for every fifth request, and logs arrivals. */
  async function startTarget(): Promise<{ url: string; arrivals: number[] }> {
    const arrivals: number[] = [];
    target = createServer((req, res) => {
      arrivals.push(performance.now());
      res.writeHead(arrivals.length % 5 === 0 ? 503 : 200).end('ok');
    });
    await new Promise<void>((r) => target!.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(target.address() as AddressInfo).port}`, arrivals };
  }

  async function post(base: string, body: string): Promise<{ status: number; body: { error?: string; burst?: LoadProgress } }> {
    const res = await fetch(`${base}/v1/console/load`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return { status: res.status, body: (await res.json()) as { error?: string; burst?: LoadProgress } };
  }

  const running = (entries: { name: string; url: string }[]) =>
    source({ world: () => ({ instances: [] }) as unknown as MeshWorld, loadEntries: () => entries.map((e) => ({ ...e, kind: 'load-balancer' as const })) });

  it('refuses bad bodies with 400 naming the problem, and sends nothing', async () => {
    const { url, arrivals } = await startTarget();
    feed = new ConsoleFeed(running([{ name: 'gateway', url }]));
    const base = await serve(feed);
    const cases: [string, string][] = [
      ['not json', 'the body is not JSON'],
      ['[]', 'the body must be a JSON object'],
      ['{"entry":"client","count":5,"ratePerSecond":5}', 'entry "client" is not a load entry of this run at this step (gateway)'],
      ['{"entry":"gateway","count":5,"ratePerSecond":5,"target":"http://example.com/"}', 'entry "gateway" is a load balancer: requests go to its / and take no target'],
      ['{"entry":"gateway","count":0,"ratePerSecond":5}', 'count must be from 1 to 1000, not 0'],
      ['{"entry":"gateway","count":5,"ratePerSecond":500}', 'ratePerSecond must be from 1 to 100, not 500'],
    ];
    for (const [body, error] of cases) {
      const answer = await post(base, body);
      expect(answer.status, body).toBe(400);
      expect(answer.body.error, body).toContain(error);
    }
    expect((await post(base, JSON.stringify({ entry: 'gateway'.repeat(1000), count: 1, ratePerSecond: 1 }))).status).toBe(413);
    const get = await fetch(`${base}/v1/console/load`);
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
    await new Promise((r) => setTimeout(r, 100));
    expect(arrivals).toEqual([]);
  });

  it('refuses an entry whose URL is not on 127.0.0.1 even when the run lists it', async () => {
    feed = new ConsoleFeed(running([{ name: 'gateway', url: 'http://192.0.2.1:80' }]));
    const answer = await post(await serve(feed), '{"entry":"gateway","count":1,"ratePerSecond":1}');
    expect([answer.status, answer.body.error]).toEqual([400, 'entry "gateway" is not on http://127.0.0.1 (http://192.0.2.1:80); the console only sends to this machine']);
  });

  it('sends a paced burst, refuses a second while it runs, and takes a new one after', async () => {
    const { url, arrivals } = await startTarget();
    feed = new ConsoleFeed(running([{ name: 'gateway', url }]));
    const base = await serve(feed);
    const postedAt = performance.now();
    const started = await post(base, '{"entry":"gateway","count":10,"ratePerSecond":20}');
    expect(started.status).toBe(202);
    expect(started.body.burst).toMatchObject({ entry: 'gateway', count: 10, ratePerSecond: 20, url: `${url}/`, running: true });
    const second = await post(base, '{"entry":"gateway","count":1,"ratePerSecond":1}');
    expect(second.status).toBe(409);
    expect(second.body.error).toMatch(/^a burst is already running \(\d+ of 10 sent through gateway\); wait for it to finish$/);
    await expect.poll(() => arrivals.length, { timeout: 5000 }).toBe(10);
    // Ten requests at 20/s: the last is due 450 ms after the burst starts, which is after the
    // POST. A busy machine can only make it later, so this bound holds however loaded it is
    // (a span between arrivals would not: a late first request shortens it).
    expect(arrivals.at(-1)! - postedAt).toBeGreaterThanOrEqual(440);
    const again = await post(base, '{"entry":"gateway","count":1,"ratePerSecond":1}');
    // The first burst may still be waiting on its last answers; once done, a new one is accepted.
    if (again.status === 409) {
      await new Promise((r) => setTimeout(r, 500));
      expect((await post(base, '{"entry":"gateway","count":1,"ratePerSecond":1}')).status).toBe(202);
    } else expect(again.status).toBe(202);
  });

  it('counts answers by status and unanswered requests in the progress', async () => {
    const { url } = await startTarget();
    const burst = new LoadBurst({ entry: 'gateway', count: 10, ratePerSecond: 100 }, `${url}/`);
    await burst.done;
    expect(burst.progress).toMatchObject({ sent: 10, answered: 10, failed: 0, byStatus: { '200': 8, '503': 2 }, running: false });
    // Nothing listens on the closed server's port any more: every request goes unanswered.
    await new Promise((r) => target!.close(r));
    target = undefined;
    const refused = new LoadBurst({ entry: 'gateway', count: 3, ratePerSecond: 100 }, `${url}/`);
    await refused.done;
    expect(refused.progress).toMatchObject({ sent: 3, answered: 0, failed: 3, byStatus: {}, running: false });
  });

  it('stops a running burst when the run stops', async () => {
    const { url, arrivals } = await startTarget();
    const burst = new LoadBurst({ entry: 'gateway', count: 100, ratePerSecond: 10 }, `${url}/`);
    await expect.poll(() => burst.progress.sent).toBeGreaterThan(0);
    burst.stop('the run stopped');
    await burst.done;
    expect(burst.progress.running).toBe(false);
    expect(burst.progress.stoppedBecause).toBe('the run stopped');
    // Nothing more goes out once stopped (at 10/s, another would be due within 100 ms).
    const sentAtStop = burst.progress.sent;
    await new Promise((r) => setTimeout(r, 300));
    expect(burst.progress.sent).toBe(sentAtStop);
    expect(sentAtStop).toBeLessThan(100);
    expect(arrivals.length).toBeLessThanOrEqual(sentAtStop);
  });

  /**
   * A pod's sidecar as the exec entry: a local server stands in for it and records what an HTTP
   * proxy receives. The targets come from the egress listener the control plane published.
   */
  it('sends through an exec entry as an HTTP proxy, to the virtual services its sidecar routes, and refuses any other target', async () => {
    const seen: { line: string; host: string | undefined }[] = [];
    target = createServer((req, res) => {
      seen.push({ line: `${req.method} ${req.url}`, host: req.headers.host });
      res.end('ok');
    });
    await new Promise<void>((r) => target!.listen(0, '127.0.0.1', r));
    const proxy = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
    const world = { instances: [{ key: 'main/mesh-test/client/0', cluster: 'main', namespace: 'mesh-test', workload: { metadata: { name: 'client' } } }] } as unknown as MeshWorld;
    const egress = {
      name: 'lds_egress_0.0.0.0_15001',
      protocol: 'http',
      statPrefix: 'egress',
      virtualHosts: [{ name: 'svc-v.mesh-test.svc.cluster.local', domains: ['svc-v.mesh-test.svc.cluster.local', 'svc-v.mesh-test.svc.cluster.local:80'], routes: [] }],
    };
    const config = { node: { id: 'main/mesh-test/client/0#sidecar' }, listeners: [egress], clusters: [] } as unknown as ProxyConfig;
    feed = new ConsoleFeed(source({ world: () => world, configs: () => [config], loadEntries: () => [{ name: 'client', url: proxy, kind: 'exec' }] }));
    const base = await serve(feed);
    const refusals: [object, string][] = [
      [{ entry: 'client', count: 2, ratePerSecond: 10 }, 'entry "client" is a pod\'s sidecar: target must be one of the URLs it may call (http://svc-v.mesh-test.svc.cluster.local/)'],
      [{ entry: 'client', count: 2, ratePerSecond: 10, target: 'http://example.com/' }, 'target "http://example.com/" is not one of the virtual services "client" may call (http://svc-v.mesh-test.svc.cluster.local/)'],
      [{ entry: 'client', count: 2, ratePerSecond: 10, target: 'http://svc-v.mesh-test.svc.cluster.local/admin' }, 'is not one of the virtual services'],
      [{ entry: 'client', count: 2000, ratePerSecond: 10, target: 'http://svc-v.mesh-test.svc.cluster.local/' }, 'count must be from 1 to 1000, not 2000'],
    ];
    for (const [body, error] of refusals) {
      const answer = await post(base, JSON.stringify(body));
      expect([answer.status, answer.body.error], JSON.stringify(body)).toEqual([400, expect.stringContaining(error)]);
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toEqual([]);

    const started = await post(base, JSON.stringify({ entry: 'client', count: 3, ratePerSecond: 50, target: 'http://svc-v.mesh-test.svc.cluster.local/' }));
    expect(started.status).toBe(202);
    expect(started.body.burst).toMatchObject({ entry: 'client', target: 'http://svc-v.mesh-test.svc.cluster.local/', url: `${proxy}/`, count: 3 });
    await expect.poll(() => seen.length, { timeout: 5000 }).toBe(3);
    // Absolute form and the service as Host: what curl sends through HTTP_PROXY.
    expect(seen).toEqual(Array.from({ length: 3 }, () => ({ line: 'GET http://svc-v.mesh-test.svc.cluster.local/', host: 'svc-v.mesh-test.svc.cluster.local' })));
  });
});
