/**
 * How each instance runs on this machine: our apps from their built entry points, with the
 * environment of the definition plus what a pod would get from the platform (its port, its
 * hostname, the sidecar as HTTP_PROXY — the local stand-in for iptables) plus what the app's
 * launch descriptor asks for (its database URLs, a control port, tracing); a proxy process beside
 * every meshed instance; gateways and Kong as proxy processes of their own.
 */
import { join } from 'node:path';
import type { AppRegistry, RegisteredApp } from '@amw/dev-stack/apps';
import type { ProcessSpec } from '@amw/dev-stack/supervisor';
import { proxyId } from '../control-plane/resolve.js';
import { instanceLabel, virtualServiceKey, type Endpoint, type Instance, type MeshWorld } from '../control-plane/world.js';
import { appOf } from '../our-apps.js';
import { tcpBackendsOf } from './instances.js';

export const PROXY_ENTRY = 'packages/local-mesh/dist/process/proxy-main.js';

/**
 * A smaller young generation for every proxy: the benchmark measured 5 MB less per idle sidecar
 * and 24 MB less under heavy load, for the same latency (see the package README).
 */
export const PROXY_NODE_FLAGS = ['--max-semi-space-size=1'];

export interface LaunchContext {
  repoRoot: string;
  apps: AppRegistry;
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
  /** Where every app listens (`BIND_ADDRESS`): 127.0.0.1 unless the run was told to open every interface. */
  bindAddress: string;
  /** The run's secret for the apps' control ports; it goes to the apps' environment and nowhere else. */
  controlToken: string;
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

/** What an app's process gets: the definition's environment, what a pod gets, and what its launch descriptor asks for. */
function appEnv(world: MeshWorld, instance: Instance, context: LaunchContext, app: RegisteredApp, port: number): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {
    ...instance.workload.spec.env,
    PORT: String(port),
    // Set whatever the definition says: the images' default, every interface, is for containers.
    BIND_ADDRESS: context.bindAddress,
    HOSTNAME: instance.podName,
    LOG_LEVEL: process.env.AMW_APP_LOG_LEVEL ?? 'info',
    NO_PROXY: undefined,
    no_proxy: undefined,
    HTTP_PROXY: instance.ports.egress !== undefined ? `http://127.0.0.1:${instance.ports.egress}` : undefined,
    http_proxy: undefined,
  };
  const { controlPort, postgres, redis, tracing } = app.launch;
  if (controlPort && instance.ports.control !== undefined) {
    env[controlPort.env] = String(instance.ports.control);
    env[controlPort.tokenEnv] = context.controlToken;
  }
  if (!postgres && !redis && !tracing) return env;
  const tcp = tcpBackends(world, instance);
  if (postgres && tcp.postgres !== undefined && context.postgresUrl) {
    env[postgres.env] = withEndpoint(context.postgresUrl, { host: '127.0.0.1', port: tcp.postgres }, `/${context.databaseName}`);
  }
  if (redis && tcp.redis !== undefined && context.redisUrl) env[redis.env] = withEndpoint(context.redisUrl, { host: '127.0.0.1', port: tcp.redis }, `/${context.redisDb}`);
  if (tracing && instance.workload.spec.proxyEnv?.ENABLE_ENVOY_XRAY_TRACING === '1' && context.xrayDaemon) {
    env[tracing.daemonAddressEnv] = context.xrayDaemon;
    // The database is a loopback port here; traces should still call it by its mesh name.
    if (tracing.databaseNameEnv && tcp.postgresName) env[tracing.databaseNameEnv] = tcp.postgresName;
  }
  return env;
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

  const port = instance.ports.app;
  const app = appOf(context.apps, component);
  if (port !== undefined && app) {
    specs.push({
      name: processName(context, instance),
      command: node,
      args: [app.entry],
      cwd: context.repoRoot,
      env: appEnv(world, instance, context, app, port),
      ready: { http: `http://127.0.0.1:${port}/ping` },
    });
  }
  return specs;
}
