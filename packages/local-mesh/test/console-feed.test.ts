/**
 * The console's answers that need no running mesh: a run that is stopped or still starting, and
 * a console that was never built.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { getWalkthrough } from '@amw/mesh-manifests';
import { ConsoleFeed, type ConsoleSource } from '../src/console/feed.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
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
  configs: () => [],
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
