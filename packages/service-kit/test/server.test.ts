import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import supertest from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, createMetrics, createServiceApp, jsonNotFound, startService, type RunningService } from '../src/index.js';

const quietLogger = () => createLogger({ service: 'test', write: () => {} });

function get(url: string): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    })
      .on('error', reject)
      .end();
  });
}

describe('createServiceApp', () => {
  it('answers /ping with 200 and an empty body', async () => {
    const app = createServiceApp({ logger: quietLogger(), metrics: createMetrics('t', { defaultMetrics: false }) });
    const res = await supertest(app).get('/ping');
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
  });

  it('counts requests by route template in /metrics', async () => {
    const app = createServiceApp({ logger: quietLogger(), metrics: createMetrics('t', { defaultMetrics: false }) });
    app.get('/api/:name', (_req, res) => void res.send('ok'));
    app.use(jsonNotFound);
    await supertest(app).get('/api/ihop');
    await supertest(app).get('/api/chipotle');
    await supertest(app).get('/nowhere').expect(404, { error: 'not found', path: '/nowhere' });
    const metrics = await supertest(app).get('/metrics');
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.text).toContain('http_requests_total{method="GET",route="/api/:name",status="200",service="t"} 2');
    expect(metrics.text).toContain('http_requests_total{method="GET",route="unmatched",status="404",service="t"} 1');
  });
});

describe('startService graceful shutdown', () => {
  let service: RunningService | undefined;
  afterEach(async () => {
    await service?.shutdown();
    service = undefined;
  });

  it('finishes in-flight requests, refuses new connections, then runs onShutdown', async () => {
    const events: string[] = [];
    const app = createServiceApp({ logger: quietLogger(), metrics: createMetrics('t', { defaultMetrics: false }) });
    app.get('/slow', (_req, res) => {
      setTimeout(() => {
        events.push('response sent');
        res.send('finished');
      }, 300);
    });
    service = await startService({
      name: 't',
      handler: app,
      port: 0,
      host: '127.0.0.1',
      logger: quietLogger(),
      handleSignals: false,
      onShutdown: () => void events.push('pools closed'),
    });
    const inFlight = get(`${service.url}/slow`);
    await new Promise((r) => setTimeout(r, 50));
    const stopped = service.shutdown('test');
    await expect(get(`${service.url}/ping`)).rejects.toThrow(/ECONNREFUSED/);
    const answer = await inFlight;
    expect(answer).toMatchObject({ status: 200, body: 'finished' });
    expect(answer.headers.connection).toBe('close');
    await stopped;
    expect(events).toEqual(['response sent', 'pools closed']);
  });

  it('closes connections that outlive the shutdown timeout', async () => {
    const app = createServiceApp({ logger: quietLogger(), metrics: createMetrics('t', { defaultMetrics: false }) });
    app.get('/hang', () => {});
    service = await startService({
      name: 't',
      handler: app,
      port: 0,
      host: '127.0.0.1',
      logger: quietLogger(),
      handleSignals: false,
      shutdownTimeoutMs: 100,
    });
    const hanging = get(`${service.url}/hang`);
    await new Promise((r) => setTimeout(r, 50));
    await service.shutdown();
    await expect(hanging).rejects.toThrow(/socket hang up/);
  });

  it('on SIGTERM, a real process answers its in-flight request and exits 0', async () => {
    const fixture = fileURLToPath(new URL('./fixtures/slow-service.ts', import.meta.url));
    const child = spawn(process.execPath, ['--conditions=@amw/source', '--import', 'tsx', fixture], {
      env: { ...process.env, SLOW_MS: '400' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines: Record<string, unknown>[] = [];
    let port = 0;
    const listening = new Promise<void>((resolve) => {
      child.stdout.setEncoding('utf8');
      let buffered = '';
      child.stdout.on('data', (chunk: string) => {
        buffered += chunk;
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const record = JSON.parse(buffered.slice(0, newline)) as Record<string, unknown>;
          buffered = buffered.slice(newline + 1);
          lines.push(record);
          if (record.msg === 'listening') {
            port = record.port as number;
            resolve();
          }
        }
      });
    });
    await listening;
    const inFlight = get(`http://127.0.0.1:${port}/slow`);
    await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGTERM');
    expect(await inFlight).toMatchObject({ status: 200, body: 'finished' });
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(lines.map((l) => l.msg)).toEqual(['listening', 'shutting down', 'pools closed', 'stopped']);
  }, 20_000);
});

describe('startService addresses', () => {
  const started: RunningService[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.shutdown()));
  });
  const start = async (host?: string) => {
    const app = createServiceApp({ logger: quietLogger(), metrics: createMetrics('t', { defaultMetrics: false }) });
    const service = await startService({ name: 't', handler: app, port: 0, ...(host ? { host } : {}), logger: quietLogger(), handleSignals: false });
    started.push(service);
    return service;
  };

  it('listens on every interface unless told otherwise, as a container needs, and on the host it is given', async () => {
    expect((await start()).server.address()).toMatchObject({ address: '0.0.0.0' });
    const local = await start('127.0.0.1');
    expect(local.server.address()).toMatchObject({ address: '127.0.0.1' });
    expect(local.url).toBe(`http://127.0.0.1:${local.port}`);
  });

  it('gives a URL this machine can call for a wildcard address, IPv6 included', async () => {
    const dual = await start('::');
    expect(dual.url).toBe(`http://127.0.0.1:${dual.port}`);
    expect((await get(`${dual.url}/ping`)).status).toBe(200);
  });
});
