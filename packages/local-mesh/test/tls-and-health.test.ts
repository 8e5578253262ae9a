import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HttpProxy } from '../src/proxy/http-proxy.js';
import { httpListener } from '../src/proxy/listener.js';
import { Cluster } from '../src/proxy/cluster.js';
import { compileRoutes } from '../src/proxy/routing.js';
import { Stats } from '../src/proxy/stats.js';
import { createCa, issueCertificate, type IssuedCertificate, type LocalCa } from '../src/tls/local-ca.js';
import { get, upstream } from './helpers/servers.js';
import { everything, startProxy } from './helpers/proxy.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

let ca: LocalCa;
let white: IssuedCertificate;
beforeAll(async () => {
  ca = await createCa('test CA');
  white = await issueCertificate(ca, ['colorteller-white.default.svc.cluster.local']);
});

/** A server-side sidecar: an ingress listener (optionally TLS) in front of an app. */
async function ingress(appPort: number, tls?: { mode: 'STRICT' | 'PERMISSIVE'; cert: IssuedCertificate; trustedCa?: string }) {
  const stats = new Stats();
  const local = new Cluster({ name: 'cds_ingress_local', endpoints: [{ host: '127.0.0.1', port: appPort }] }, stats);
  const table = compileRoutes([everything('cds_ingress_local')]);
  const proxy = new HttpProxy({ stats, statPrefix: 'ingress', routes: () => table, cluster: () => local, serverHeader: 'envoy' });
  const listener = httpListener(
    {
      host: '127.0.0.1',
      port: 0,
      statAddress: '0.0.0.0_15000',
      stats,
      ...(tls
        ? { tls: { mode: tls.mode, certificateChain: tls.cert.certificateChain, privateKey: tls.cert.privateKey, ...(tls.trustedCa ? { trustedCa: tls.trustedCa } : {}) } }
        : {}),
    },
    (exchange) => proxy.handle(exchange),
  );
  await listener.listen();
  cleanups.push(() => listener.close());
  cleanups.push(() => local.close());
  return { port: listener.port, stats };
}

describe('TLS between proxies', () => {
  it('a client policy trusting our CA talks to a STRICT listener, and both count ssl.handshake', async () => {
    const app = await upstream((_req, res) => res.end('white'));
    cleanups.push(() => app.close());
    const server = await ingress(app.port, { mode: 'STRICT', cert: white });
    const client = await startProxy([everything('c')], [{ name: 'c', endpoints: [{ host: '127.0.0.1', port: server.port }], tls: { trustedCa: ca.certificatePem } }]);
    cleanups.push(() => client.close());
    expect(await get(client.port, '/tell')).toMatchObject({ status: 200, body: 'white' });
    expect(client.stats.counter('cluster.c.ssl.handshake')).toBe(1);
    expect(server.stats.counter('listener.0.0.0.0_15000.ssl.handshake')).toBe(1);
  });

  it('a TLS client against a plain-text listener fails with the connection failure text', async () => {
    const app = await upstream((_req, res) => res.end('blue'));
    cleanups.push(() => app.close());
    const server = await ingress(app.port);
    const client = await startProxy([everything('c')], [{ name: 'c', endpoints: [{ host: '127.0.0.1', port: server.port }], tls: { trustedCa: ca.certificatePem } }]);
    cleanups.push(() => client.close());
    expect(await get(client.port, '/tell')).toMatchObject({
      status: 503,
      body: 'upstream connect error or disconnect/reset before headers. reset reason: connection failure',
    });
  });

  it('a certificate from another CA is refused', async () => {
    const other = await createCa('someone else');
    const app = await upstream((_req, res) => res.end('white'));
    cleanups.push(() => app.close());
    const server = await ingress(app.port, { mode: 'STRICT', cert: await issueCertificate(other, ['x.local']) });
    const client = await startProxy([everything('c')], [{ name: 'c', endpoints: [{ host: '127.0.0.1', port: server.port }], tls: { trustedCa: ca.certificatePem } }]);
    cleanups.push(() => client.close());
    expect((await get(client.port, '/')).status).toBe(503);
    expect(client.stats.counter('cluster.c.ssl.connection_error')).toBe(1);
  });

  it('PERMISSIVE accepts plain text and TLS on the same port, and tells the app which one each request came by', async () => {
    const app = await upstream((req, res) => res.end(`ok ${String(req.headers['x-forwarded-proto'])}`));
    cleanups.push(() => app.close());
    const server = await ingress(app.port, { mode: 'PERMISSIVE', cert: white });
    const tlsClient = await startProxy([everything('c')], [{ name: 'c', endpoints: [{ host: '127.0.0.1', port: server.port }], tls: { trustedCa: ca.certificatePem } }]);
    const plainClient = await startProxy([everything('c')], [{ name: 'c', endpoints: [{ host: '127.0.0.1', port: server.port }] }]);
    cleanups.push(() => tlsClient.close(), () => plainClient.close());
    expect((await get(tlsClient.port, '/')).body).toBe('ok https');
    expect((await get(plainClient.port, '/')).body).toBe('ok http');
  });

  it('mutual TLS: a listener that validates clients refuses one without a certificate', async () => {
    const app = await upstream((_req, res) => res.end('mtls'));
    cleanups.push(() => app.close());
    const server = await ingress(app.port, { mode: 'STRICT', cert: white, trustedCa: ca.certificatePem });
    const clientCert = await issueCertificate(ca, ['front.local']);
    const withCert = await startProxy(
      [everything('c')],
      [{ name: 'c', endpoints: [{ host: '127.0.0.1', port: server.port }], tls: { trustedCa: ca.certificatePem, ...clientCert } }],
    );
    const without = await startProxy([everything('c')], [{ name: 'c', endpoints: [{ host: '127.0.0.1', port: server.port }], tls: { trustedCa: ca.certificatePem } }]);
    cleanups.push(() => withCert.close(), () => without.close());
    expect((await get(withCert.port, '/')).body).toBe('mtls');
    expect((await get(without.port, '/')).status).toBe(503);
  });
});

describe('active health checks and outlier detection', () => {
  it('takes an endpoint whose /ping fails out of rotation, and brings it back', async () => {
    let sick = true;
    const a = await upstream((req, res) => (req.url === '/ping' ? res.writeHead(sick ? 500 : 200).end() : res.end('a')));
    const b = await upstream((_req, res) => res.end('b'));
    cleanups.push(() => a.close(), () => b.close());
    const hc = { protocol: 'http' as const, path: '/ping', intervalMs: 30, timeoutMs: 500, healthyThreshold: 2, unhealthyThreshold: 2 };
    const proxy = await startProxy([everything('c')], [{ name: 'c', endpoints: [{ host: '127.0.0.1', port: a.port }, { host: '127.0.0.1', port: b.port }], healthCheck: hc }]);
    cleanups.push(() => proxy.close());
    await expect.poll(() => proxy.stats.gaugeValue('cluster.c.membership_healthy'), { timeout: 5000 }).toBe(1);
    const bodies = new Set<string>();
    for (let i = 0; i < 10; i++) bodies.add((await get(proxy.port, '/')).body);
    expect([...bodies]).toEqual(['b']);
    sick = false;
    await expect.poll(() => proxy.stats.gaugeValue('cluster.c.membership_healthy'), { timeout: 5000 }).toBe(2);
    for (let i = 0; i < 10; i++) bodies.add((await get(proxy.port, '/')).body);
    expect(bodies).toEqual(new Set(['a', 'b']));
  });

  it('ejects an endpoint after maxServerErrors consecutive 5xx answers', async () => {
    const bad = await upstream((_req, res) => res.writeHead(500).end('boom'));
    const good = await upstream((_req, res) => res.end('fine'));
    cleanups.push(() => bad.close(), () => good.close());
    const proxy = await startProxy(
      [everything('c')],
      [
        {
          name: 'c',
          endpoints: [{ host: '127.0.0.1', port: bad.port }, { host: '127.0.0.1', port: good.port }],
          outlierDetection: { maxServerErrors: 2, intervalMs: 1000, baseEjectionMs: 60_000, maxEjectionPercent: 50 },
        },
      ],
    );
    cleanups.push(() => proxy.close());
    const early: number[] = [];
    for (let i = 0; i < 4; i++) early.push((await get(proxy.port, '/')).status);
    expect(early.filter((s) => s === 500)).toHaveLength(2);
    expect(proxy.stats.counter('cluster.c.outlier_detection.ejections_enforced_total')).toBe(1);
    for (let i = 0; i < 10; i++) expect((await get(proxy.port, '/')).body).toBe('fine');
  });

  it('never ejects more hosts than maxEjectionPercent allows (but always at least one)', async () => {
    const bad1 = await upstream((_req, res) => res.writeHead(503).end());
    const bad2 = await upstream((_req, res) => res.writeHead(503).end());
    cleanups.push(() => bad1.close(), () => bad2.close());
    const proxy = await startProxy(
      [everything('c')],
      [
        {
          name: 'c',
          endpoints: [{ host: '127.0.0.1', port: bad1.port }, { host: '127.0.0.1', port: bad2.port }],
          outlierDetection: { maxServerErrors: 1, intervalMs: 1000, baseEjectionMs: 60_000, maxEjectionPercent: 50 },
        },
      ],
    );
    cleanups.push(() => proxy.close());
    for (let i = 0; i < 6; i++) await get(proxy.port, '/');
    expect(proxy.stats.gaugeValue('cluster.c.outlier_detection.ejections_active')).toBe(1);
  });
});
