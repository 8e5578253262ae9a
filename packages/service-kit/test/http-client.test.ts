import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../src/http-client.js';

interface Seen {
  url: string;
  host: string | undefined;
}

function listen(handler: (req: IncomingMessage, seen: Seen[]) => string): Promise<{ server: Server; url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', host: req.headers.host });
    res.end(handler(req, seen));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen });
    }),
  );
}

describe('createHttpClient', () => {
  let proxy: Awaited<ReturnType<typeof listen>>;
  let origin: Awaited<ReturnType<typeof listen>>;

  beforeAll(async () => {
    // A stand-in for the sidecar's egress listener: it records what it was asked for.
    proxy = await listen((req) => `via proxy: ${req.url}`);
    origin = await listen(() => 'direct');
  });
  afterAll(() => {
    proxy.server.close();
    origin.server.close();
  });

  it('sends plain-HTTP calls to HTTP_PROXY in absolute form, keeping the mesh name as Host', async () => {
    const client = createHttpClient({ env: { HTTP_PROXY: proxy.url } });
    const res = await client.fetch('http://jazz.prod.svc.cluster.local:9080/');
    expect(await res.text()).toBe('via proxy: http://jazz.prod.svc.cluster.local:9080/');
    expect(proxy.seen.at(-1)).toEqual({ url: 'http://jazz.prod.svc.cluster.local:9080/', host: 'jazz.prod.svc.cluster.local:9080' });
    await client.close();
  });

  it('goes direct for hosts listed in NO_PROXY', async () => {
    const client = createHttpClient({ env: { http_proxy: proxy.url, no_proxy: 'localhost,127.0.0.1' } });
    const before = proxy.seen.length;
    expect(await (await client.fetch(`${origin.url}/x`)).text()).toBe('direct');
    expect(proxy.seen.length).toBe(before);
    await client.close();
  });

  it('goes direct when no proxy is configured', async () => {
    const client = createHttpClient({ env: {} });
    expect(await (await client.fetch(`${origin.url}/y`)).text()).toBe('direct');
    await client.close();
  });
});
