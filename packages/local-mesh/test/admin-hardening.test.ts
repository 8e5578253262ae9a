/**
 * What the admin interface must not do: hand out private keys in `/config_dump`, or let a
 * `/stats?filter=` pattern stall the proxy. Over a real admin port, on a real runtime.
 */
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { RE2JS } from 're2js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDACTED, compileStatsFilter, redactSecrets, startAdmin } from '../src/proxy/admin.js';
import type { ProxyConfig } from '../src/proxy/config.js';
import { ProxyRuntime } from '../src/proxy/runtime.js';
import { sendDatagram } from '../src/proxy/udp.js';
import { createCa, issueCertificate, type IssuedCertificate } from '../src/tls/local-ca.js';

const node: ProxyConfig['node'] = { id: 'n', resourceArn: 'mesh/m/virtualNode/vn', mesh: 'm', kind: 'sidecar', cluster: 'main' };

async function adminOf(runtime: ProxyRuntime) {
  const admin = await startAdmin(runtime, 0);
  const get = async (path: string) => {
    const res = await fetch(`http://127.0.0.1:${admin.port}${path}`);
    return { status: res.status, body: await res.text() };
  };
  return { get, close: () => admin.server.close() };
}

/** The base64 body of a PEM key, without its armour: what must never appear, in any wrapping. */
const keyMaterial = (pem: string) => pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');

describe('/config_dump', () => {
  let server: IssuedCertificate;
  let client: IssuedCertificate;
  let caPem: string;
  const runtime = new ProxyRuntime();
  let admin: Awaited<ReturnType<typeof adminOf>>;

  beforeAll(async () => {
    const ca = await createCa('admin test CA');
    caPem = ca.certificatePem;
    server = await issueCertificate(ca, ['colorteller.mesh.local']);
    client = await issueCertificate(ca, ['gateway.mesh.local']);
    // A STRICT TLS listener and a mutual-TLS cluster: both hold a real private key, in use.
    await runtime.apply({
      version: '1',
      node,
      listeners: [
        {
          name: 'lds_ingress_0.0.0.0_15000',
          protocol: 'http',
          host: '127.0.0.1',
          port: 0,
          statAddress: '0.0.0.0_15000',
          statPrefix: 'ingress',
          virtualHosts: [],
          unmatched: 'not-found',
          tls: { mode: 'STRICT', certificateChain: server.certificateChain, privateKey: server.privateKey },
        },
      ],
      clusters: [
        { name: 'upstream', endpoints: [{ host: '127.0.0.1', port: 9 }], tls: { trustedCa: caPem, certificateChain: client.certificateChain, privateKey: client.privateKey } },
      ],
      passthrough: {},
    });
    admin = await adminOf(runtime);
  });
  afterAll(async () => {
    admin?.close();
    await runtime.close();
  });

  it('shows every private key as "[redacted]", as Envoy does, and keeps the certificates', async () => {
    const { status, body } = await admin.get('/config_dump');
    expect(status).toBe(200);
    expect(server.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    for (const key of [server.privateKey, client.privateKey]) {
      expect(body).not.toContain(keyMaterial(key).slice(0, 40));
      expect(body.replace(/\\n/g, '')).not.toContain(keyMaterial(key));
    }
    expect(body).not.toContain('PRIVATE KEY');
    const dump = JSON.parse(body) as { configs: Record<string, unknown>[] };
    const listener = (dump.configs[2] as { dynamic_listeners: { active_state: { listener: { tls: Record<string, string> } } }[] }).dynamic_listeners[0]!;
    expect(listener.active_state.listener.tls).toEqual({ mode: 'STRICT', certificateChain: server.certificateChain, privateKey: REDACTED });
    const cluster = (dump.configs[1] as { dynamic_active_clusters: { cluster: { tls: Record<string, string> } }[] }).dynamic_active_clusters[0]!;
    expect(cluster.cluster.tls).toEqual({ trustedCa: caPem, certificateChain: client.certificateChain, privateKey: REDACTED });
  });

  it('redacts by field name and by content, wherever secret material sits', () => {
    expect(
      redactSecrets({
        kong: { consumers: [{ username: 'dj-client', keys: ['my-secret-api-key', 'another'] }] },
        misplaced: { note: server.privateKey },
        auth: { token: 'abc', password: 'p', name: 'kept' },
        private_key: { inline_string: server.privateKey },
        empty: { privateKey: undefined },
      }),
    ).toEqual({
      kong: { consumers: [{ username: 'dj-client', keys: [REDACTED, REDACTED] }] },
      misplaced: { note: REDACTED },
      auth: { token: REDACTED, password: REDACTED, name: 'kept' },
      private_key: { inline_string: REDACTED },
      empty: { privateKey: undefined },
    });
  });
});

describe('/stats?filter=', () => {
  const runtime = new ProxyRuntime();
  let admin: Awaited<ReturnType<typeof adminOf>>;
  /** Names that hold a Q: what `(.*)(.*)(.*)(.*)Q` must select among many that do not. */
  const withQ = ['cluster.cds_egress_m_Queue_http_8080.upstream_rq_200', 'listener.0.0.0.0_15000.Q'];

  beforeAll(async () => {
    // Thousands of long names without a Q: each costs a backtracking engine about n^4 steps.
    for (let i = 0; i < 20_000; i++) runtime.stats.inc(`cluster.cds_egress_mesh_colorteller_${i}_default_svc_cluster_local_http_8080.upstream_rq_completed`);
    for (const name of withQ) runtime.stats.inc(name);
    admin = await adminOf(runtime);
  });
  afterAll(async () => {
    admin?.close();
    await runtime.close();
  });

  it('compiles the filter with RE2, the engine whose matching is linear in the name', async () => {
    const filter = await compileStatsFilter('(.*)(.*)(.*)(.*)Q');
    expect(filter).toBeInstanceOf(RE2JS);
    expect(filter).not.toBeInstanceOf(RegExp);
  });

  it('answers the pathological pattern over 20,000 stats with exactly the names that match', async () => {
    const { status, body } = await admin.get(`/stats?filter=${encodeURIComponent('(.*)(.*)(.*)(.*)Q')}`);
    expect(status).toBe(200);
    expect(body).toBe(withQ.map((name) => `${name}: 1\n`).sort().join(''));
    const json = JSON.parse((await admin.get(`/stats?format=json&filter=${encodeURIComponent('(.*)(.*)(.*)(.*)Q')}`)).body) as { stats: { name: string }[] };
    expect(json.stats.map((s) => s.name)).toEqual([...withQ].sort());
    // The proxy is still responsive afterwards, and partial matches still work as in Envoy.
    expect((await admin.get(`/stats?filter=${encodeURIComponent('_19999_.*completed$')}`)).body).toBe(
      'cluster.cds_egress_mesh_colorteller_19999_default_svc_cluster_local_http_8080.upstream_rq_completed: 1\n',
    );
  });

  it.each([
    ['an unbalanced group', '(', 'Invalid re2 regex: error parsing regexp: missing closing ): `(`\n'],
    ['a back-reference, which RE2 does not have', '(a)\\1', 'Invalid re2 regex: error parsing regexp: invalid escape sequence: `\\1`\n'],
    ['a look-ahead, which RE2 does not have', 'a(?=b)', 'Invalid re2 regex: error parsing regexp: invalid or unsupported Perl syntax: `(?=`\n'],
    ['a repeat count above 1000', 'a{1001}', 'Invalid re2 regex: error parsing regexp: invalid repeat count: `{1001}`\n'],
    ['a pattern longer than 1000 characters', 'a'.repeat(1001), 'Invalid re2 regex: the filter is 1001 characters long; at most 1000 are accepted\n'],
  ])('refuses %s with 400 and says why', async (_name, pattern, message) => {
    expect(await admin.get(`/stats?filter=${encodeURIComponent(pattern)}`)).toEqual({ status: 400, body: message });
  });
});

describe('the proxy’s datagrams', () => {
  it('leave from a socket bound to 127.0.0.1, never one open on every interface', async () => {
    const receiver = createSocket('udp4');
    await new Promise<void>((resolve) => receiver.bind(0, '127.0.0.1', resolve));
    try {
      const from = new Promise<number>((resolve) => receiver.once('message', (_message, info) => resolve(info.port)));
      sendDatagram(`127.0.0.1:${receiver.address().port}`, 'envoy.server.live:1|g');
      const port = await from;
      // The sender's own entry in the kernel's table: where it is bound, not where it sent to.
      const bound = readFileSync('/proc/net/udp', 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.trim().split(/\s+/)[1]!)
        .filter((local) => parseInt(local.split(':')[1]!, 16) === port);
      expect(bound).toEqual([`0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`]);
    } finally {
      receiver.close();
    }
  });
});
