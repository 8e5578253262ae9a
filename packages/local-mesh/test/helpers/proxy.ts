import { Cluster, type ClusterSettings } from '../../src/proxy/cluster.js';
import { HttpProxy, type HttpProxyOptions } from '../../src/proxy/http-proxy.js';
import { httpListener, type Listener } from '../../src/proxy/listener.js';
import { compileRoutes, type VirtualHost } from '../../src/proxy/routing.js';
import { Stats } from '../../src/proxy/stats.js';

export interface TestProxy {
  port: number;
  stats: Stats;
  clusters: Map<string, Cluster>;
  logs: string[];
  close(): Promise<void>;
}

/** A proxy listener with the given routes and clusters, as a sidecar would run it. */
export async function startProxy(
  virtualHosts: VirtualHost[],
  clusters: ClusterSettings[],
  extra: Partial<HttpProxyOptions> = {},
): Promise<TestProxy> {
  const stats = new Stats();
  const byName = new Map(clusters.map((c) => [c.name, new Cluster(c, stats)]));
  const table = compileRoutes(virtualHosts);
  const logs: string[] = [];
  const proxy = new HttpProxy({
    stats,
    statPrefix: 'egress',
    routes: () => table,
    cluster: (name) => byName.get(name),
    serverHeader: 'envoy',
    accessLog: (line) => logs.push(line),
    ...extra,
  });
  const listener: Listener = httpListener({ host: '127.0.0.1', port: 0, statAddress: '0.0.0.0_15001', stats }, (exchange) => proxy.handle(exchange));
  await listener.listen();
  return {
    port: listener.port,
    stats,
    clusters: byName,
    logs,
    close: async () => {
      for (const cluster of byName.values()) cluster.close();
      await listener.close();
    },
  };
}

export const everything = (cluster: string, extra: Partial<VirtualHost['routes'][number]> = {}): VirtualHost => ({
  name: 'all',
  domains: ['*'],
  routes: [{ name: 'r', match: { prefix: '/' }, clusters: [{ cluster, weight: 1 }], timeoutMs: 15000, ...extra }],
});
