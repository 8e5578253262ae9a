/**
 * The transport A/B the issue asks for: the same proxy over its hand-written HTTP/1.1 codec (A)
 * and over node:http + undici (B), measured side by side in one run, to decide which to keep.
 *
 * - A: `dist/process/proxy-main.js`, as the orchestrator runs sidecars.
 * - B: bench/transport-undici-main.ts, emitted as JavaScript over the same dist/ build
 *   (bench/transport-build.ts): the same `HttpProxy` with a node:http server in front
 *   (bench/transport-node-exchange.ts) and undici Pools behind (bench/transport-undici-cluster.ts).
 *
 * Each transport gets its own sidecars, as separate processes with the orchestrator's node
 * flags, configured over the control plane's stream with the same hand-built `ProxyConfig`s
 * (bench/mesh-config.ts): a client sidecar's egress listener → a server sidecar's ingress
 * listener → the app, for the real ColorTeller app and for a trivial node:http one. Both pairs
 * and the direct paths are measured in the same rounds, interleaved with the order rotating, as
 * bench/run.ts does: latency added at a fixed rate (open loop), throughput at a fixed number of
 * connections (closed loop, autocannon), sidecar CPU per 1,000 requests (/proc/<pid>/stat) and
 * memory per sidecar (RSS, PSS, private). It ends with the comparison and a decision line; the
 * exit code is 0 whatever it says.
 *
 * Settings (environment), as bench/run.ts reads them: BENCH_ROUNDS (5), BENCH_SECONDS per path
 * per round (3), BENCH_WARMUP_SECONDS (2), BENCH_LEAD_IN_SECONDS (1), BENCH_RATE (1000),
 * BENCH_CONNECTIONS (64), BENCH_APP_LOG_LEVEL (info); and BENCH_SIDECAR_FLAGS, node options for
 * both transports' sidecars instead of the orchestrator's (`-` for none): B allocates more per
 * request, so the small young generation the orchestrator gives sidecars may cost it more.
 */
import { existsSync, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigStreamServer } from '../src/control-plane/stream.js';
import { PROXY_NODE_FLAGS } from '../src/orchestrator/launch.js';
import type { ProxyConfig } from '../src/proxy/config.js';
import { LoadGenerator, measureRounds } from './load-generator.js';
import type { Target } from './load-worker.js';
import { clientSidecar, serverSidecar, serviceAuthority, type ServedApp } from './mesh-config.js';
import { freePort, memoryOf, startNode, stopAll, waitUntilReady, type Child } from './processes.js';
import { SettingError, setting } from './settings.js';
import { buildUndiciSidecar, type BuiltSidecar } from './transport-build.js';
import {
  APPS,
  APP_LABEL,
  PATH_LABEL,
  TRANSPORTS,
  key,
  report,
  type AppName,
  type PathKind,
  type Settings,
  type SidecarRecord,
  type Transport,
} from './transport-report.js';
import { COLORTELLER_MAIN, startUpstreamApps } from './upstream-apps.js';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(packageDir, '../..');
const PROXY_MAIN = join(packageDir, 'dist/process/proxy-main.js');

interface Sidecar extends SidecarRecord {
  child: Child;
}

interface PathSpec {
  app: AppName;
  kind: PathKind;
  target: Target;
  client?: Sidecar;
  server?: Sidecar;
}

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A kept-alive request, as the load generator sends: only those get node:http's Keep-Alive header. */
function call(target: Target): Promise<Answer> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  return new Promise<Answer>((resolveAnswer, reject) => {
    const req = request({ host: target.host, port: target.port, path: target.path, headers: { host: target.hostHeader }, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolveAnswer({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  }).finally(() => agent.destroy());
}

/**
 * One request through a path: the colour, Envoy's headers through a pair, and which server
 * answered the client. The codec forwards no hop-by-hop header, so its answers carry no
 * Keep-Alive; node:http adds `Keep-Alive: timeout=…` to every answer on a kept-alive connection. Without this a
 * mistake in the wiring could measure the codec twice under two names.
 */
async function verify(path: PathSpec): Promise<void> {
  const what = `${APP_LABEL[path.app]}, ${PATH_LABEL[path.kind]}`;
  const deadline = Date.now() + 5000;
  for (;;) {
    const answer = await call(path.target).catch((error: unknown): Answer => ({ status: 0, body: String(error), headers: {} }));
    const meshed = path.kind !== 'direct';
    const envoy = answer.headers.server === 'envoy' && answer.headers['x-envoy-upstream-service-time'] !== undefined;
    if (answer.status === 200 && answer.body === 'blue' && (!meshed || envoy)) {
      const nodeHttp = answer.headers['keep-alive'] !== undefined;
      if (path.kind === 'codec' && nodeHttp) throw new Error(`${what}: the answer carries a Keep-Alive header: not the hand-written codec's`);
      if (path.kind === 'undici' && !nodeHttp) throw new Error(`${what}: the answer has no Keep-Alive header: not node:http's`);
      return;
    }
    if (Date.now() > deadline) throw new Error(`${what} does not answer as expected: ${answer.status} ${JSON.stringify(answer.body.slice(0, 200))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function checkBuilt(): void {
  for (const [file, fix] of [
    [PROXY_MAIN, 'run `pnpm --filter @amw/local-mesh build` first'],
    [COLORTELLER_MAIN, 'run `pnpm --filter @amw/colorteller build` first'],
  ] as const) {
    if (!existsSync(file)) throw new SettingError(`${file} is missing: ${fix}`);
  }
  // Both transports run dist/: what they measure is the last build, whatever src/ says now.
  const sources = ['src/proxy/http-proxy.ts', 'src/proxy/cluster.ts', 'src/http1/server-connection.ts', 'src/http1/client-connection.ts', 'src/http1/head.ts', 'src/http1/body.ts'];
  const newest = Math.max(...sources.map((f) => statSync(join(packageDir, f)).mtimeMs));
  if (newest > statSync(join(packageDir, 'dist/proxy/http-proxy.js')).mtimeMs) {
    process.stdout.write('note: src/ is newer than dist/: both transports run the last build (`pnpm --filter @amw/local-mesh build` to measure your changes)\n');
  }
}

function readSettings(): Settings {
  return {
    rounds: setting('BENCH_ROUNDS', 5, true),
    seconds: setting('BENCH_SECONDS', 3, false),
    warmupSeconds: setting('BENCH_WARMUP_SECONDS', 2, false),
    leadInSeconds: process.env.BENCH_LEAD_IN_SECONDS === '0' ? 0 : setting('BENCH_LEAD_IN_SECONDS', 1, false),
    rate: setting('BENCH_RATE', 1000, true),
    connections: setting('BENCH_CONNECTIONS', 64, true),
    appLogLevel: process.env.BENCH_APP_LOG_LEVEL || 'info',
    sidecarFlags: sidecarFlags(process.env.BENCH_SIDECAR_FLAGS),
  };
}

function sidecarFlags(text: string | undefined): string[] {
  if (text === undefined || text.trim() === '') return [...PROXY_NODE_FLAGS];
  return text.split(/\s+/).filter((word) => word && word !== '-');
}

async function main(): Promise<void> {
  const settings = readSettings();
  checkBuilt();
  const built: BuiltSidecar = await buildUndiciSidecar(packageDir);
  const entries: Record<Transport, string> = { codec: PROXY_MAIN, undici: built.entry };
  const load = new LoadGenerator();
  const controlPlane = new ConfigStreamServer();
  try {
    await controlPlane.listen();
    const appPorts = await startUpstreamApps(settings.appLogLevel);

    const sidecars: Sidecar[] = [];
    // Started as the orchestrator starts sidecars, whichever the transport: same flags, same environment.
    const startSidecar = async (name: string, transport: Transport, config: ProxyConfig): Promise<Sidecar> => {
      const admin = await freePort();
      controlPlane.publish(config);
      const child = startNode(
        name,
        [...settings.sidecarFlags, entries[transport]],
        { AMW_PROXY_ID: config.node.id, AMW_CONTROL_PLANE: controlPlane.url, AMW_ADMIN_PORT: String(admin), AMW_PROXY_KIND: 'envoy' },
        repoRoot,
      );
      await waitUntilReady(child, `http://127.0.0.1:${admin}/ready`);
      const sidecar: Sidecar = { name, transport, child };
      sidecars.push(sidecar);
      return sidecar;
    };

    const paths: PathSpec[] = APPS.map((app) => ({
      app,
      kind: 'direct',
      target: { host: '127.0.0.1', port: appPorts[app], path: '/', hostHeader: `127.0.0.1:${appPorts[app]}` },
    }));
    for (const transport of TRANSPORTS) {
      const served: ServedApp[] = [];
      for (const app of APPS) served.push({ name: app, appPort: appPorts[app], ingressPort: await freePort() });
      const servers = new Map<string, Sidecar>();
      for (const app of served) servers.set(app.name, await startSidecar(`server sidecar, ${app.name} (${PATH_LABEL[transport]})`, transport, serverSidecar(app, transport)));
      const egressPort = await freePort();
      const client = await startSidecar(`client sidecar (${PATH_LABEL[transport]})`, transport, clientSidecar(egressPort, served, transport));
      for (const app of APPS) {
        const authority = serviceAuthority({ name: app });
        paths.push({
          app,
          kind: transport,
          target: { host: '127.0.0.1', port: egressPort, path: `http://${authority}/`, hostHeader: authority },
          client,
          server: servers.get(app)!,
        });
      }
    }
    for (const path of paths) await verify(path);

    // Idle memory: configured, one request each, nothing else yet.
    await new Promise((r) => setTimeout(r, 2000));
    for (const sidecar of sidecars) sidecar.idle = memoryOf(sidecar.child.process.pid!);

    const loadBefore = loadavg();
    const minutes = Math.ceil((paths.length * settings.warmupSeconds + settings.rounds * (2 * settings.seconds + settings.leadInSeconds) * paths.length) / 60);
    process.stdout.write(
      `${paths.length} paths (direct, A: codec, B: node:http + undici; two apps): ${settings.warmupSeconds} s warm-up each, then ${settings.rounds} rounds ` +
        `of ${settings.seconds} s per path per measurement (about ${minutes} min)\n`,
    );
    const { latency, throughput } = await measureRounds(load, paths, settings, (path) => key(path.app, path.kind));
    process.stdout.write(
      report({
        settings,
        latency,
        throughput,
        sidecars: sidecars.map(({ name, transport, idle, atRate, atConnections }) => ({
          name,
          transport,
          ...(idle ? { idle } : {}),
          ...(atRate ? { atRate } : {}),
          ...(atConnections ? { atConnections } : {}),
        })),
        loadBefore,
        loadAfter: loadavg(),
      }),
    );
  } finally {
    await load.close();
    await stopAll();
    await controlPlane.close();
    await built.remove();
  }
}

main().then(
  () => process.exit(0),
  async (error: unknown) => {
    await stopAll();
    process.stderr.write(`local-mesh transport A/B: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
