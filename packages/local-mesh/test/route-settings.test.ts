/**
 * Route settings the proxies used to accept and ignore: weighted TCP targets, idle timeouts, and
 * a route timeout that stopped counting once the answer had started. Each runs through a real
 * proxy runtime and real upstream servers on loopback.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProxyConfig } from '../src/proxy/config.js';
import { ProxyRuntime } from '../src/proxy/runtime.js';
import { everything, startProxy } from './helpers/proxy.js';
import { upstream } from './helpers/servers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A TCP server that answers every connection with its name and closes. */
async function namedTcpServer(name: string): Promise<Server & { port: number }> {
  const server = createServer((socket) => socket.end(name));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return Object.assign(server, { port: (server.address() as { port: number }).port });
}

function readOnce(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = connect(port, '127.0.0.1');
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

function tcpConfig(clusters: { cluster: string; weight: number }[], endpoints: Record<string, number>, idleTimeoutMs?: number): ProxyConfig {
  return {
    version: '1',
    node: { id: 'n', resourceArn: 'mesh/m/virtualNode/vn', mesh: 'm', kind: 'sidecar', cluster: 'main' },
    listeners: [
      {
        name: 'lds_egress_tcp_db_5432',
        protocol: 'tcp',
        host: '127.0.0.1',
        port: 0,
        statAddress: '0.0.0.0_15001_db',
        statPrefix: 'egress_db',
        clusters,
        ...(idleTimeoutMs !== undefined ? { idleTimeoutMs } : {}),
      },
    ],
    clusters: Object.entries(endpoints).map(([name, port]) => ({ name, endpoints: [{ host: '127.0.0.1', port }] })),
    passthrough: {},
  };
}

describe('TCP routes', () => {
  it('spread connections over weighted targets (3:1), not only the heaviest', async () => {
    const [blue, green] = [await namedTcpServer('blue'), await namedTcpServer('green')];
    const runtime = new ProxyRuntime();
    cleanups.push(() => runtime.close());
    await runtime.apply(
      tcpConfig(
        [
          { cluster: 'blue', weight: 3 },
          { cluster: 'green', weight: 1 },
        ],
        { blue: blue.port, green: green.port },
      ),
    );
    const port = runtime.listenerPorts()['lds_egress_tcp_db_5432']!;
    const counts = { blue: 0, green: 0 } as Record<string, number>;
    const n = 400;
    for (let i = 0; i < n; i += 20) {
      const answers = await Promise.all(Array.from({ length: 20 }, () => readOnce(port)));
      for (const answer of answers) counts[answer] = (counts[answer] ?? 0) + 1;
    }
    // Binomial(400, 0.25): mean 100, sd ≈ 8.7; ±5 sd.
    expect(counts.green).toBeGreaterThan(100 - 44);
    expect(counts.green).toBeLessThan(100 + 44);
    expect(counts.blue! + counts.green!).toBe(n);
  });

  it('follow new weights from the next configuration on new connections', async () => {
    const [blue, green] = [await namedTcpServer('blue'), await namedTcpServer('green')];
    const runtime = new ProxyRuntime();
    cleanups.push(() => runtime.close());
    const endpoints = { blue: blue.port, green: green.port };
    await runtime.apply(tcpConfig([{ cluster: 'blue', weight: 1 }], endpoints));
    const port = runtime.listenerPorts()['lds_egress_tcp_db_5432']!;
    expect(await readOnce(port)).toBe('blue');
    await runtime.apply({ ...tcpConfig([{ cluster: 'green', weight: 1 }], endpoints), version: '2' });
    expect(runtime.listenerPorts()['lds_egress_tcp_db_5432']).toBe(port);
    expect(await readOnce(port)).toBe('green');
  });
});

describe('HTTP timeouts', () => {
  it('end a stream that goes idle: 504 "stream timeout" before the head, a reset after it', async () => {
    const app = await upstream((req, res) => {
      if (req.url === '/silent') return; // never answers
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first part, then nothing');
    });
    cleanups.push(() => app.close());
    const proxy = await startProxy([everything('c', { timeoutMs: 0, idleTimeoutMs: 300 })], [{ name: 'c', endpoints: [{ host: '127.0.0.1', port: app.port }] }]);
    cleanups.push(() => proxy.close());

    const before = await rawExchange(proxy.port, 'GET /silent HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    expect(before.text).toMatch(/^HTTP\/1\.1 504 [\s\S]*stream timeout$/);
    const after = await rawExchange(proxy.port, 'GET /stalls HTTP/1.1\r\nHost: a\r\n\r\n');
    expect(after.text).toMatch(/^HTTP\/1\.1 200 [\s\S]*first part, then nothing/);
    expect(after.closedWithin).toBeLessThan(5000);
    expect(proxy.stats.counter('http.egress.downstream_rq_idle_timeout')).toBe(2);
    expect(proxy.logs.filter((line) => / SI /.test(line))).toHaveLength(2);
  });

  it('keep a stream that trickles bytes within the idle timeout', async () => {
    const app = await upstream((_req, res) => {
      res.writeHead(200);
      let sent = 0;
      const timer = setInterval(() => {
        res.write('.');
        if (++sent === 6) {
          clearInterval(timer);
          res.end();
        }
      }, 100);
    });
    cleanups.push(() => app.close());
    const proxy = await startProxy([everything('c', { timeoutMs: 0, idleTimeoutMs: 300 })], [{ name: 'c', endpoints: [{ host: '127.0.0.1', port: app.port }] }]);
    cleanups.push(() => proxy.close());
    const answer = await rawExchange(proxy.port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    const body = answer.text.slice(answer.text.indexOf('\r\n\r\n') + 4);
    // Six one-byte chunks, then the last chunk: the whole answer, over twice the idle timeout.
    expect(body.match(/\./g)).toHaveLength(6);
    expect(body.endsWith('0\r\n\r\n')).toBe(true);
  });

  it('cut off an answer still streaming when the route timeout passes, as Envoy resets the stream', async () => {
    const app = await upstream((_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      const timer = setInterval(() => res.write('x'), 50);
      res.on('close', () => clearInterval(timer));
    });
    cleanups.push(() => app.close());
    const proxy = await startProxy([everything('c', { timeoutMs: 400 })], [{ name: 'c', endpoints: [{ host: '127.0.0.1', port: app.port }] }]);
    cleanups.push(() => proxy.close());
    const answer = await rawExchange(proxy.port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    expect(answer.text).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer.closedWithin).toBeLessThan(3000);
    const body = answer.text.slice(answer.text.indexOf('\r\n\r\n') + 4);
    expect(body.length).toBeLessThan(1000);
    expect(proxy.stats.counter('cluster.c.upstream_rq_timeout')).toBe(1);
  });
});

/** Sends `request` and collects everything until the proxy closes the connection (at most 10 s). */
async function rawExchange(port: number, request: string): Promise<{ text: string; closedWithin: number }> {
  const started = Date.now();
  const socket: Socket = connect(port, '127.0.0.1');
  cleanups.push(() => void socket.destroy());
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.write(request);
  await Promise.race([new Promise((resolve) => socket.on('close', resolve)), sleep(10_000)]);
  return { text, closedWithin: Date.now() - started };
}
