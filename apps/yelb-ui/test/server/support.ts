import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHttpClient, createLogger, createMetrics, type Env, type HttpClient } from '@amw/service-kit';
import type { Express } from 'express';
import { createYelbUiApp } from '../../src/server/app.js';

export const quietLogger = () => createLogger({ service: 'yelb-ui-test', write: () => {} });

/** A small built site, shaped like Vite's output, plus a secret next to it that must never be served. */
export async function makeSite(): Promise<{ root: string; dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'yelb-ui-site-'));
  const root = join(dir, 'web');
  await mkdir(join(root, 'assets'), { recursive: true });
  await writeFile(join(root, 'index.html'), '<!doctype html><title>Yelb</title><div id="root"></div>');
  await writeFile(join(root, 'assets', 'index-Ab12Cd34.js'), 'console.log("yelb");');
  await writeFile(join(root, 'assets', 'index-Ef56Gh78.css'), 'body{color:#000}');
  await writeFile(join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  await writeFile(join(root, '.env'), 'SECRET=dotfile');
  await writeFile(join(dir, 'secret.txt'), 'outside the site root');
  return { root, dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function makeApp(options: { staticDir: string; endpoint: string; env?: Env; timeoutMs?: number }): Promise<{ app: Express; client: HttpClient }> {
  const client = createHttpClient({ env: options.env ?? {}, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) });
  const app = await createYelbUiApp({
    logger: quietLogger(),
    metrics: createMetrics('yelb-ui-test', { defaultMetrics: false }),
    staticDir: options.staticDir,
    appserverEndpoint: new URL(options.endpoint),
    httpClient: client,
  });
  return { app, client };
}

export interface Recorded {
  method: string;
  url: string;
  httpVersion: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A real HTTP server that records what reached it and answers with `reply`. */
export async function recordingServer(reply: (req: Recorded, res: ServerResponse) => void): Promise<{ url: string; port: number; seen: Recorded[]; close: () => Promise<void> }> {
  const seen: Recorded[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded = { method: req.method ?? '', url: req.url ?? '', httpVersion: req.httpVersion, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(recorded);
      reply(recorded, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Sends a path exactly as written. Node's client, unlike browsers and curl, does not normalise
 * `..` away, which is what an attacker's raw request looks like.
 */
export function rawGet(baseUrl: string, path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    request({ host: hostname, port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

/** A port nothing listens on: bind one, then let it go. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
