import { afterEach, describe, expect, it } from 'vitest';
import { KongGateway } from '../src/kong/gateway.js';
import type { KongConfig } from '../src/kong/config.js';
import { httpListener } from '../src/proxy/listener.js';
import { Stats } from '../src/proxy/stats.js';
import { get, upstream } from './helpers/servers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const JAZZ_V1 = '["Astrud Gilberto","Miles Davis"]';

async function kong(plugins: KongConfig['routes'][number]['plugins'], now = () => Date.UTC(2026, 10, 21, 12, 0, 10)) {
  // Stands in for Kong's Envoy sidecar: it receives absolute-form requests, as an HTTP proxy.
  const sidecar = await upstream((req, res) => res.setHeader('content-type', 'application/json').end(req.url?.includes('jazz') ? JAZZ_V1 : '[]'));
  const stats = new Stats();
  const gateway = new KongGateway(stats, undefined, now);
  gateway.apply({
    upstreamProxy: { host: '127.0.0.1', port: sidecar.port },
    consumers: [{ id: 'c0ffee', username: 'consumer1', keys: ['kong-secret'] }],
    routes: ['jazz', 'metal'].map((genre) => ({
      name: `prod.djingress.${genre}.9080`,
      paths: [`/dj/${genre}`],
      hosts: [],
      stripPath: true,
      preserveHost: false,
      service: { host: `${genre}.prod.svc.cluster.local`, port: 9080 },
      plugins,
    })),
  });
  const listener = httpListener({ host: '127.0.0.1', port: 0, statAddress: '0.0.0.0_8000', stats }, (exchange) => gateway.handle(exchange));
  await listener.listen();
  cleanups.push(() => sidecar.close(), () => listener.close(), () => gateway.close());
  return { port: listener.port, sidecar };
}

const rateLimit = { name: 'rate-limiting' as const, instance: 'rl-by-minute', config: { minute: 3, policy: 'local' } };
const keyAuth = { name: 'key-auth' as const, instance: 'apikey', config: {} };

describe('Kong ingress', () => {
  it('strips the matched path and sends the service FQDN as the upstream host, through the sidecar', async () => {
    const { port, sidecar } = await kong([]);
    const answer = await get(port, '/dj/jazz', { headers: { host: 'a1b2.elb.amazonaws.com' } });
    expect(answer).toMatchObject({ status: 200, body: JAZZ_V1 });
    expect(answer.headers.via).toBe('1.1 kong/3.9.1');
    expect(sidecar.seen[0]!.url).toBe('http://jazz.prod.svc.cluster.local:9080/');
    expect(sidecar.seen[0]!.headers.host).toBe('jazz.prod.svc.cluster.local:9080');
    expect(sidecar.seen[0]!.headers['x-forwarded-prefix']).toBe('/dj/jazz');
    await get(port, '/dj/jazz/tracks?page=2');
    expect(sidecar.seen[1]!.url).toBe('http://jazz.prod.svc.cluster.local:9080/tracks?page=2');
  });

  it('answers 404 with Kong’s message when no route matches', async () => {
    const { port } = await kong([]);
    const answer = await get(port, '/dj/jazzy');
    expect(answer).toMatchObject({ status: 404, body: '{"message":"no Route matched with those values"}' });
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('rate-limiting: the 4th request in a minute gets 429, with Kong’s headers', async () => {
    const { port } = await kong([rateLimit]);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await get(port, '/dj/jazz'));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    expect(answers[0]!.headers['x-ratelimit-limit-minute']).toBe('3');
    expect(answers[0]!.headers['x-ratelimit-remaining-minute']).toBe('2');
    expect(answers[2]!.headers['ratelimit-remaining']).toBe('0');
    expect(answers[3]!.body).toBe('{"message":"API rate limit exceeded"}');
    expect(answers[3]!.headers['retry-after']).toBe('50');
  });

  it('rate-limiting windows start again on the next minute', async () => {
    let now = Date.UTC(2026, 10, 21, 12, 0, 59);
    const { port } = await kong([rateLimit], () => now);
    for (let i = 0; i < 3; i++) await get(port, '/dj/jazz');
    expect((await get(port, '/dj/jazz')).status).toBe(429);
    now += 1000;
    expect((await get(port, '/dj/jazz')).status).toBe(200);
  });

  it('key-auth: no key → 401 "No API key found in request"; a wrong key → 401; the right key → the list', async () => {
    const { port, sidecar } = await kong([keyAuth, rateLimit]);
    const missing = await get(port, '/dj/jazz');
    expect(missing).toMatchObject({ status: 401, body: '{"message":"No API key found in request"}' });
    expect(missing.headers['www-authenticate']).toBe('Key realm="kong"');
    expect(await get(port, '/dj/jazz', { headers: { apikey: 'guess' } })).toMatchObject({ status: 401, body: '{"message":"Unauthorized"}' });
    expect(await get(port, '/dj/jazz', { headers: { apikey: 'kong-secret' } })).toMatchObject({ status: 200, body: JAZZ_V1 });
    expect(await get(port, '/dj/jazz?apikey=kong-secret')).toMatchObject({ status: 200 });
    expect(sidecar.seen[0]!.headers['x-consumer-username']).toBe('consumer1');
    // Refused requests did not use up the consumer's rate limit; two good ones did.
    expect((await get(port, '/dj/jazz', { headers: { apikey: 'kong-secret' } })).status).toBe(200);
    expect((await get(port, '/dj/jazz', { headers: { apikey: 'kong-secret' } })).status).toBe(429);
  });
});
