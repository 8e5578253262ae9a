/**
 * The admin interface of a local proxy, shaped like Envoy's on port 9901: `/ready`,
 * `/server_info`, `/stats` (text, `?filter=`, `?format=json|prometheus`), `/stats/prometheus`,
 * `/clusters`, `/listeners`, `/config_dump`. What a learner curls on App Mesh works here.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { accessLogTail, TAIL_LIMIT } from './access-log-tail.js';
import type { ProxyRuntime } from './runtime.js';
import type { StatsFilter } from './stats.js';

export const PROXY_VERSION = '1.29.6-amw-local-mesh';

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=UTF-8'): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-cache, max-age=0', 'x-content-type-options': 'nosniff' });
  res.end(body);
}

/** Longer filters buy nothing a learner needs, and compiling one costs time and memory in proportion. */
export const MAX_FILTER_LENGTH = 1000;

/**
 * `?filter=` as Envoy reads it: an RE2 expression that may match anywhere in a stat's name. RE2
 * matches in time linear in the name whatever the pattern; JavaScript's RegExp backtracks, and
 * `(.*)(.*)(.*)(.*)Q` held a gateway's event loop for seconds. re2js is RE2 in plain JavaScript
 * (no native addon); it is loaded on the first filter, so a proxy nobody filters never pays for it.
 */
export async function compileStatsFilter(pattern: string): Promise<StatsFilter> {
  if (pattern.length > MAX_FILTER_LENGTH) throw new StatsFilterError(`the filter is ${pattern.length} characters long; at most ${MAX_FILTER_LENGTH} are accepted`);
  const { RE2JS, RE2JSException } = await import('re2js');
  try {
    return RE2JS.compile(pattern);
  } catch (error) {
    if (error instanceof RE2JSException) throw new StatsFilterError(error.message);
    throw error;
  }
}

export class StatsFilterError extends Error {
  override name = 'StatsFilterError';
}

async function filterFrom(url: URL): Promise<StatsFilter | undefined> {
  const filter = url.searchParams.get('filter');
  return filter === null || filter === '' ? undefined : compileStatsFilter(filter);
}

function uptime(runtime: ProxyRuntime): string {
  return `${Math.floor((Date.now() - runtime.startedAt) / 1000)}s`;
}

function serverInfo(runtime: ProxyRuntime): object {
  const node = runtime.config?.node;
  return {
    version: `amw-local-mesh/${PROXY_VERSION}/Clean/RELEASE/BoringSSL`,
    state: runtime.live ? 'LIVE' : 'PRE_INITIALIZING',
    hot_restart_version: 'disabled',
    command_line_options: { base_id: '0', concurrency: 1, log_level: 'info', mode: 'Serve' },
    node: node ? { id: node.id, cluster: node.resourceArn, metadata: { mesh: node.mesh, kind: node.kind, account_group: node.cluster } } : {},
    uptime_current_epoch: uptime(runtime),
    uptime_all_epochs: uptime(runtime),
    // Not in Envoy's answer: which control-plane push this proxy runs, for rollout waits.
    config_version: runtime.config?.version ?? null,
  };
}

export const REDACTED = '[redacted]';

/** Fields that hold secret material wherever they appear: TLS private keys, Kong consumers' API keys, tokens. */
const SECRET_FIELD = /^(private_?key|keys|api_?keys?|token|secret|password|passphrase|credentials?)$/i;
const PRIVATE_KEY_PEM = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

/**
 * Replaces secret material by "[redacted]", as Envoy does in its config dump. By field name, and
 * by content too, so a private key that lands under a field nobody listed still never leaves.
 */
export function redactSecrets(value: unknown): unknown {
  if (typeof value === 'string') return PRIVATE_KEY_PEM.test(value) ? REDACTED : value;
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) => [key, SECRET_FIELD.test(key) && field !== undefined && field !== null ? redactAll(field) : redactSecrets(field)]),
  );
}

/** Every leaf of a secret field: a list of API keys stays a list, of "[redacted]". */
function redactAll(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactAll);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, redactAll(field)]));
  return REDACTED;
}

/** Envoy's config dump envelope, holding what the control plane sent, secrets redacted. */
function configDump(runtime: ProxyRuntime): object {
  const config = runtime.config;
  const lastUpdated = new Date().toISOString();
  return redactSecrets({
    configs: [
      { '@type': 'type.googleapis.com/envoy.admin.v3.BootstrapConfigDump', bootstrap: { node: config?.node ?? {} } },
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
        version_info: config?.version,
        dynamic_active_clusters: (config?.clusters ?? []).map((cluster) => ({ version_info: config?.version, cluster, last_updated: lastUpdated })),
      },
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
        version_info: config?.version,
        dynamic_listeners: (config?.listeners ?? []).map((listener) => ({
          name: listener.name,
          active_state: { version_info: config?.version, listener, last_updated: lastUpdated },
        })),
      },
      { '@type': 'type.googleapis.com/envoy.admin.v3.SecretsConfigDump', passthrough: config?.passthrough ?? {}, tracing: config?.tracing ?? null },
    ],
  }) as object;
}

function accessLogAnswer(url: URL): { status: number; body: object } {
  const raw = url.searchParams.get('limit');
  const limit = raw === null ? TAIL_LIMIT.default : Number(raw);
  if (!Number.isInteger(limit) || limit < 0 || limit > TAIL_LIMIT.max) {
    return { status: 400, body: { error: `limit must be a whole number from 0 to ${TAIL_LIMIT.max}, not ${JSON.stringify(raw)}` } };
  }
  const own = accessLogTail;
  return { status: 200, body: { total: own.total, byStatus: own.byStatus, flags: own.flags, lines: own.lines(limit) } };
}

export function handleAdmin(runtime: ProxyRuntime, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://admin');
  const path = url.pathname;
  switch (path) {
    case '/ready':
      send(res, runtime.live ? 200 : 503, runtime.live ? 'LIVE\n' : 'PRE_INITIALIZING\n');
      return;
    case '/server_info':
      send(res, 200, JSON.stringify(serverInfo(runtime), null, 2) + '\n', 'application/json');
      return;
    case '/stats/prometheus':
      send(res, 200, runtime.stats.prometheus(), 'text/plain; version=0.0.4; charset=UTF-8');
      return;
    case '/stats':
      filterFrom(url).then(
        (filter) => {
          const format = url.searchParams.get('format');
          if (format === 'json') send(res, 200, JSON.stringify(runtime.stats.json(filter), null, 2) + '\n', 'application/json');
          else if (format === 'prometheus') send(res, 200, runtime.stats.prometheus(), 'text/plain; version=0.0.4; charset=UTF-8');
          else if (format === null || format === 'text') send(res, 200, runtime.stats.text(filter));
          else send(res, 400, `usage: /stats?format=(json|prometheus|text)\n`);
        },
        (error: unknown) => {
          if (error instanceof StatsFilterError) send(res, 400, `Invalid re2 regex: ${error.message}\n`);
          else send(res, 500, `${error instanceof Error ? error.message : String(error)}\n`);
        },
      );
      return;
    case '/clusters': {
      const lines = runtime.allClusters().flatMap((cluster) => {
        const settings = cluster.current;
        return [
          `${settings.name}::default_priority::max_connections::${settings.maxConnections ?? 1024}`,
          `${settings.name}::default_priority::max_pending_requests::${settings.maxPendingRequests ?? 1024}`,
          ...cluster.describeHosts(),
        ];
      });
      send(res, 200, lines.join('\n') + (lines.length ? '\n' : ''));
      return;
    }
    case '/listeners':
      send(res, 200, Object.entries(runtime.listenerPorts()).map(([name, port]) => `${name}::127.0.0.1:${port}`).join('\n') + '\n');
      return;
    case '/config_dump':
      send(res, 200, JSON.stringify(configDump(runtime), null, 2) + '\n', 'application/json');
      return;
    case '/access_log': {
      // Not one of Envoy's: the local mesh's tail of this proxy's access log, for the console.
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('allow', 'GET, HEAD');
        send(res, 405, JSON.stringify({ error: `${req.method} is not allowed on /access_log; use GET` }) + '\n', 'application/json');
        return;
      }
      const { status, body } = accessLogAnswer(url);
      send(res, status, JSON.stringify(body) + '\n', 'application/json');
      return;
    }
    case '/':
      send(res, 200, ['/access_log', '/clusters', '/config_dump', '/listeners', '/ready', '/server_info', '/stats', '/stats/prometheus'].join('\n') + '\n');
      return;
    default:
      send(res, 404, `invalid path: ${path}\n`);
  }
}

export async function startAdmin(runtime: ProxyRuntime, port: number, host = '127.0.0.1'): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => handleAdmin(runtime, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}
