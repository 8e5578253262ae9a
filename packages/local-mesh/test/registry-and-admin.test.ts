import { describe, expect, it } from 'vitest';
import { CloudMapError, CloudMapRegistry } from '../src/control-plane/cloud-map.js';
import { startAdmin } from '../src/proxy/admin.js';
import { ProxyRuntime } from '../src/proxy/runtime.js';
import { Stats, extractTags } from '../src/proxy/stats.js';

describe('the local Cloud Map registry', () => {
  const registry = () => {
    const r = new CloudMapRegistry();
    r.createNamespace('am-multi-account.local', 'HTTP');
    r.createService('am-multi-account.local', 'yelb-appserver');
    r.registerInstance('am-multi-account.local', 'yelb-appserver', 'pod-a', { version: 'v1', AWS_INSTANCE_PORT: '1' });
    r.registerInstance('am-multi-account.local', 'yelb-appserver', 'pod-b', { version: 'v2', AWS_INSTANCE_PORT: '2' });
    return r;
  };

  it('filters by every query parameter, as DiscoverInstances does', () => {
    const r = registry();
    expect(r.discoverInstances('am-multi-account.local', 'yelb-appserver', { queryParameters: { version: 'v2' } }).map((i) => i.instanceId)).toEqual(['pod-b']);
    expect(r.discoverInstances('am-multi-account.local', 'yelb-appserver', { queryParameters: { version: 'v3' } })).toEqual([]);
  });

  it('honours health filters, HEALTHY_OR_ELSE_ALL included', () => {
    const r = registry();
    r.updateInstanceCustomHealthStatus('am-multi-account.local', 'yelb-appserver', 'pod-a', 'UNHEALTHY');
    expect(r.discoverInstances('am-multi-account.local', 'yelb-appserver').map((i) => i.instanceId)).toEqual(['pod-b']);
    r.updateInstanceCustomHealthStatus('am-multi-account.local', 'yelb-appserver', 'pod-b', 'UNHEALTHY');
    expect(r.discoverInstances('am-multi-account.local', 'yelb-appserver')).toEqual([]);
    expect(r.discoverInstances('am-multi-account.local', 'yelb-appserver', { healthStatus: 'HEALTHY_OR_ELSE_ALL' })).toHaveLength(2);
  });

  it('leaves instances of a service without custom health UNKNOWN, the status learners ask about', () => {
    const r = new CloudMapRegistry();
    r.createNamespace('ns', 'DNS_PRIVATE');
    r.createService('ns', 'svc', { customHealth: false });
    expect(r.registerInstance('ns', 'svc', 'i', {}).healthStatus).toBe('UNKNOWN');
    expect(r.discoverInstances('ns', 'svc', { healthStatus: 'ALL' })).toHaveLength(1);
  });

  it('names what is missing', () => {
    const r = registry();
    expect(() => r.discoverInstances('nope.local', 'x')).toThrow(CloudMapError);
    expect(() => r.discoverInstances('am-multi-account.local', 'x')).toThrow(/service x does not exist in namespace am-multi-account.local/);
    expect(() => r.deregisterInstance('am-multi-account.local', 'yelb-appserver', 'ghost')).toThrow(/ghost/);
  });
});

describe('Envoy-style stats', () => {
  it('extracts Envoy’s tags for Prometheus', () => {
    expect(extractTags('cluster.cds_egress_mesh_vn_http_80.upstream_rq_200')).toEqual({
      name: 'cluster.upstream_rq',
      tags: { envoy_cluster_name: 'cds_egress_mesh_vn_http_80', envoy_response_code: '200' },
    });
    expect(extractTags('cluster.c.upstream_rq_5xx')).toEqual({ name: 'cluster.upstream_rq_xx', tags: { envoy_cluster_name: 'c', envoy_response_code_class: '5' } });
    expect(extractTags('listener.0.0.0.0_9080.ssl.handshake')).toEqual({ name: 'listener.ssl.handshake', tags: { envoy_listener_address: '0.0.0.0_9080' } });
  });

  it('prints text sorted and Prometheus with types', () => {
    const stats = new Stats();
    stats.inc('cluster.b.upstream_rq_200', 2);
    stats.inc('cluster.a.upstream_rq_200');
    stats.gauge('cluster.a.membership_healthy', 1);
    expect(stats.text()).toBe('cluster.a.membership_healthy: 1\ncluster.a.upstream_rq_200: 1\ncluster.b.upstream_rq_200: 2\n');
    expect(stats.text(/^cluster\.b/)).toBe('cluster.b.upstream_rq_200: 2\n');
    const prom = stats.prometheus();
    expect(prom).toContain('# TYPE envoy_cluster_upstream_rq counter\n');
    expect(prom).toContain('envoy_cluster_upstream_rq{envoy_cluster_name="b",envoy_response_code="200"} 2');
  });

  it('flushes DogStatsD lines: counter increments since the last flush, and gauges', () => {
    const stats = new Stats();
    const sent = new Map<string, number>();
    stats.inc('cluster.c.upstream_rq_200', 3);
    stats.gauge('cluster.c.membership_healthy', 2);
    expect(stats.dogStatsdLines(sent, { 'appmesh.mesh': 'yelb' })).toEqual([
      'envoy.cluster.upstream_rq:3|c|#appmesh.mesh:yelb,envoy.cluster_name:c,envoy.response_code:200',
      'envoy.cluster.membership_healthy:2|g|#appmesh.mesh:yelb,envoy.cluster_name:c',
    ]);
    stats.inc('cluster.c.upstream_rq_200');
    expect(stats.dogStatsdLines(sent)[0]).toBe('envoy.cluster.upstream_rq:1|c|#envoy.cluster_name:c,envoy.response_code:200');
  });
});

describe('the admin interface', () => {
  it('answers like Envoy’s before and after the first configuration', async () => {
    const runtime = new ProxyRuntime();
    const admin = await startAdmin(runtime, 0);
    const get = async (path: string) => {
      const res = await fetch(`http://127.0.0.1:${admin.port}${path}`);
      return { status: res.status, body: await res.text() };
    };
    try {
      expect(await get('/ready')).toEqual({ status: 503, body: 'PRE_INITIALIZING\n' });
      expect(JSON.parse((await get('/server_info')).body)).toMatchObject({ state: 'PRE_INITIALIZING' });
      await runtime.apply({ version: '7', node: { id: 'n', resourceArn: 'mesh/m/virtualNode/vn', mesh: 'm', kind: 'sidecar', cluster: 'main' }, listeners: [], clusters: [{ name: 'c', endpoints: [] }], passthrough: {} });
      expect(await get('/ready')).toEqual({ status: 200, body: 'LIVE\n' });
      expect(JSON.parse((await get('/server_info')).body)).toMatchObject({ state: 'LIVE', config_version: '7', node: { cluster: 'mesh/m/virtualNode/vn' } });
      expect((await get('/clusters')).body).toContain('c::default_priority::max_connections::1024');
      const dump = JSON.parse((await get('/config_dump')).body) as { configs: { '@type': string }[] };
      expect(dump.configs.map((c) => c['@type'].split('.').at(-1))).toEqual(['BootstrapConfigDump', 'ClustersConfigDump', 'ListenersConfigDump', 'SecretsConfigDump']);
      expect(await get('/stats?filter=(')).toEqual({ status: 400, body: 'Invalid re2 regex: error parsing regexp: missing closing ): `(`\n' });
      expect(await get('/stats?format=xml')).toMatchObject({ status: 400 });
      expect(await get('/nope')).toEqual({ status: 404, body: 'invalid path: /nope\n' });
      expect((await get('/stats/prometheus')).body).toContain('envoy_server_live 1');
    } finally {
      admin.server.close();
      await runtime.close();
    }
  });
});
