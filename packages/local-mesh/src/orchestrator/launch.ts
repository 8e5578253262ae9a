/**
 * How each instance runs on this machine: our apps from their built `dist/`, with the environment
 * of the definition plus what a pod would get from the platform (its port, its hostname, the
 * sidecar as HTTP_PROXY — the local stand-in for iptables); a proxy process beside every meshed
 * instance; gateways and Kong as proxy processes of their own.
 */
import { join } from 'node:path';
import type { OurApp } from '@amw/mesh-manifests';
import type { ProcessSpec } from '@amw/dev-stack/supervisor';
import { proxyId } from '../control-plane/resolve.js';
import { instanceLabel, virtualServiceKey, type Endpoint, type Instance, type MeshWorld } from '../control-plane/world.js';
import { tcpBackendsOf } from './instances.js';

const APP_ENTRY: Record<OurApp, string> = {
  colorteller: 'apps/colorteller/dist/main.js',
  music: 'apps/music/dist/main.js',
  dj: 'apps/dj/dist/main.js',
  'yelb-appserver': 'apps/yelb-appserver/dist/main.js',
  'yelb-ui': 'apps/yelb-ui/dist/server/main.js',
};

export const PROXY_ENTRY = 'packages/local-mesh/dist/process/proxy-main.js';

/**
 * A smaller young generation for every proxy: the benchmark measured 5 MB less per idle sidecar
 * and 24 MB less under heavy load, for the same latency (see the package README).
 */
export const PROXY_NODE_FLAGS = ['--max-semi-space-size=1'];

export interface LaunchContext {
  repoRoot: string;
  controlPlaneUrl: string;
  /** The backing servers' URLs: credentials and options come from there. */
  postgresUrl?: string;
  redisUrl?: string;
  /** Database (Postgres) and logical database (Redis) this walkthrough's data lives in. */
  databaseName: string;
  redisDb: number;
  xrayDaemon?: string;
  /** Short label used in process names, e.g. the walkthrough name. */
  label: string;
}

export function appEntry(app: OurApp): string {
  return APP_ENTRY[app];
}

function withEndpoint(url: string, endpoint: Endpoint, path: string): string {
  const parsed = new URL(url);
  parsed.hostname = endpoint.host;
  parsed.port = String(endpoint.port);
  parsed.pathname = path;
  return parsed.toString();
}

/** The TCP backends a node calls, by which component serves them. */
function tcpBackends(world: MeshWorld, instance: Instance): { postgres?: number; redis?: number; postgresName?: string } {
  const out: { postgres?: number; redis?: number; postgresName?: string } = {};
  for (const vs of tcpBackendsOf(world, instance)) {
    const port = instance.ports.tcpEgress[virtualServiceKey(vs)];
    const ref = vs.object.spec.provider?.virtualNode;
    const node = ref ? world.virtualNode(vs.cluster, vs.object.metadata.namespace, ref.virtualNodeRef, ref.virtualNodeARN) : undefined;
    const component = node ? world.instancesOf(node)[0]?.workload.spec.component : undefined;
    if (port === undefined) continue;
    if (component === 'postgres') {
      out.postgres = port;
      out.postgresName = world.awsName(vs.object);
    }
    if (component === 'redis') out.redis = port;
  }
  return out;
}

export function processName(context: LaunchContext, instance: Instance, role?: string): string {
  return `${context.label}/${instanceLabel(instance)}${role ? `/${role}` : ''}`;
}

export function processSpecs(world: MeshWorld, instance: Instance, context: LaunchContext): ProcessSpec[] {
  const specs: ProcessSpec[] = [];
  const node = process.execPath;
  const component = instance.workload.spec.component;
  const proxy = (kind: 'envoy' | 'kong', adminPort: number): ProcessSpec => ({
    name: processName(context, instance, kind),
    command: node,
    args: [...PROXY_NODE_FLAGS, join(context.repoRoot, PROXY_ENTRY)],
    cwd: context.repoRoot,
    env: {
      AMW_PROXY_ID: proxyId(instance, kind),
      AMW_CONTROL_PLANE: context.controlPlaneUrl,
      AMW_ADMIN_PORT: String(adminPort),
      AMW_PROXY_KIND: kind,
      NODE_OPTIONS: undefined,
    },
    ready: { http: `http://127.0.0.1:${adminPort}/ready` },
  });

  if (instance.identity?.kind === 'VirtualNode' && instance.ports.admin !== undefined) specs.push(proxy('envoy', instance.ports.admin));
  if (instance.identity?.kind === 'VirtualGateway' && instance.ports.admin !== undefined) specs.push({ ...proxy('envoy', instance.ports.admin), name: processName(context, instance) });
  if (component === 'kong' && instance.ports.kongAdmin !== undefined) specs.push({ ...proxy('kong', instance.ports.kongAdmin), name: processName(context, instance) });

  const app = instance.ports.app;
  if (app !== undefined && component in APP_ENTRY) {
    const env: Record<string, string | undefined> = {
      ...instance.workload.spec.env,
      PORT: String(app),
      HOSTNAME: instance.podName,
      LOG_LEVEL: process.env.AMW_APP_LOG_LEVEL ?? 'info',
      NO_PROXY: undefined,
      no_proxy: undefined,
      HTTP_PROXY: instance.ports.egress !== undefined ? `http://127.0.0.1:${instance.ports.egress}` : undefined,
      http_proxy: undefined,
    };
    if (component === 'colorteller' && instance.ports.control !== undefined) env.CONTROL_PORT = String(instance.ports.control);
    if (component === 'yelb-appserver') {
      const tcp = tcpBackends(world, instance);
      if (tcp.postgres !== undefined && context.postgresUrl) env.DATABASE_URL = withEndpoint(context.postgresUrl, { host: '127.0.0.1', port: tcp.postgres }, `/${context.databaseName}`);
      if (tcp.redis !== undefined && context.redisUrl) env.REDIS_URL = withEndpoint(context.redisUrl, { host: '127.0.0.1', port: tcp.redis }, `/${context.redisDb}`);
      if (instance.workload.spec.proxyEnv?.ENABLE_ENVOY_XRAY_TRACING === '1' && context.xrayDaemon) {
        env.AWS_XRAY_DAEMON_ADDRESS = context.xrayDaemon;
        // The database is a loopback port here; traces should still call it by its mesh name.
        if (tcp.postgresName) env.TRACE_DATABASE_NAME = tcp.postgresName;
      }
    }
    specs.push({
      name: processName(context, instance),
      command: node,
      args: [join(context.repoRoot, APP_ENTRY[component as OurApp])],
      cwd: context.repoRoot,
      env,
      ready: { http: `http://127.0.0.1:${app}/ping` },
    });
  }
  return specs;
}
