/**
 * The smallest mesh that exercises a real request path: one calling app whose sidecar has an
 * egress listener with a virtual service per upstream app, and one sidecar in front of each
 * upstream app with the ingress listener App Mesh gives a virtual node. The shapes are what the
 * control plane's resolver produces for a walkthrough (same listener names, stat prefixes,
 * default 15 s route timeout, and for mutual TLS the listener `tls` and cluster `tls` it builds
 * from a virtual node's listener TLS and a backend's client policy), written out by hand so the
 * benchmark depends on nothing but the proxy and the stream.
 */
import type { ClusterSettings, ClusterTls } from '../src/proxy/cluster.js';
import type { ProxyConfig } from '../src/proxy/config.js';
import type { ListenerTls } from '../src/proxy/listener.js';

export const MESH = 'bench';
/** The port the virtual services are called on, as apps address them through HTTP_PROXY. */
export const SERVICE_PORT = 9080;
const ROUTE_TIMEOUT_MS = 15_000;

export interface ServedApp {
  /** Virtual node and virtual service stem, e.g. `colorteller`. */
  name: string;
  /** Where the server sidecar's ingress listener binds. */
  ingressPort: number;
  /** Where the app itself listens. */
  appPort: number;
  /** Mutual TLS between the two sidecars; plain HTTP without it. */
  tls?: PairTls;
}

/** Both ends of one sidecar-to-sidecar hop under mutual TLS. */
export interface PairTls {
  /** The server sidecar's ingress listener: its certificate, and which client certificates it accepts. */
  listener: ListenerTls;
  /** The client sidecar's cluster for the app: which server certificate it accepts, and its own. */
  cluster: ClusterTls;
}

export function serviceAuthority(app: Pick<ServedApp, 'name'>): string {
  return `${app.name}.${MESH}.local:${SERVICE_PORT}`;
}

function node(name: string): ProxyConfig['node'] {
  return { id: `${MESH}/${name}`, resourceArn: `mesh/${MESH}/virtualNode/${name}_${MESH}`, mesh: MESH, kind: 'sidecar', cluster: 'main' };
}

/** The sidecar in front of an upstream app: ingress listener → the app on loopback. */
export function serverSidecar(app: ServedApp, variant: string): ProxyConfig {
  const local = `cds_ingress_${MESH}_${app.name}_${MESH}_http_${SERVICE_PORT}`;
  return {
    version: '1',
    node: node(`${app.name}-${variant}`),
    listeners: [
      {
        name: 'lds_ingress_0.0.0.0_15000',
        protocol: 'http',
        host: '127.0.0.1',
        port: app.ingressPort,
        statAddress: '0.0.0.0_15000',
        statPrefix: 'ingress',
        meshPort: SERVICE_PORT,
        unmatched: 'not-found',
        ...(app.tls ? { tls: app.tls.listener } : {}),
        virtualHosts: [
          {
            name: `${app.name}_${MESH}_ingress`,
            domains: ['*'],
            routes: [{ name: 'ingress', match: { prefix: '/' }, clusters: [{ cluster: local, weight: 1 }], timeoutMs: ROUTE_TIMEOUT_MS }],
          },
        ],
      },
    ],
    clusters: [{ name: local, endpoints: [{ host: '127.0.0.1', port: app.appPort }] }],
    passthrough: {},
  };
}

/** The calling app's sidecar: an egress listener with one virtual service per upstream app. */
export function clientSidecar(egressPort: number, apps: ServedApp[], variant: string): ProxyConfig {
  const clusters: ClusterSettings[] = [];
  const virtualHosts = apps.map((app) => {
    const cluster = `cds_egress_${MESH}_${app.name}_${MESH}_http_${SERVICE_PORT}`;
    clusters.push({
      name: cluster,
      endpoints: [{ host: '127.0.0.1', port: app.ingressPort, id: `${app.name}-${variant}` }],
      ...(app.tls ? { tls: app.tls.cluster } : {}),
    });
    const service = `${app.name}.${MESH}.local`;
    return {
      name: service,
      domains: [service, `${service}:${SERVICE_PORT}`],
      routes: [{ name: `${service}_default`, match: { prefix: '/' }, clusters: [{ cluster, weight: 1 }], timeoutMs: ROUTE_TIMEOUT_MS }],
    };
  });
  return {
    version: '1',
    node: node(`client-${variant}`),
    listeners: [
      {
        name: 'lds_egress_0.0.0.0_15001',
        protocol: 'http',
        host: '127.0.0.1',
        port: egressPort,
        statAddress: '0.0.0.0_15001',
        statPrefix: 'egress',
        virtualHosts,
        unmatched: 'not-found',
      },
    ],
    clusters,
    passthrough: {},
  };
}
