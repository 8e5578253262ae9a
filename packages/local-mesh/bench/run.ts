/**
 * What a client+server sidecar pair costs a request, measured on this machine in one run:
 *
 * 1. latency added at a fixed 1,000 req/s (open loop): an app called directly vs. the same app
 *    called through the client sidecar's egress listener (absolute-form request, as apps send
 *    through HTTP_PROXY) and the server sidecar's ingress listener, the hop between the two
 *    sidecars in plain HTTP and, on a second pair, in mutual TLS (STRICT listener validating the
 *    client's certificate, as the walkthroughs' TLS steps set listeners up); with the CPU each
 *    sidecar spends per request at that rate;
 * 2. throughput at 64 connections (closed loop), same paths, against the real ColorTeller
 *    app (Express, as every walkthrough's apps are) and against a trivial node:http server, with
 *    the CPU each sidecar spends per request;
 * 3. memory per sidecar (RSS, and PSS/private from smaps_rollup) idle and under load, for
 *    proxies started as the orchestrator starts them (PROXY_NODE_FLAGS) and, to compare, for
 *    ones started with the node options in BENCH_TUNED_FLAGS.
 *
 * Everything is real: `proxy-main` processes from dist/, configured over the control plane's
 * stream by a ConfigStreamServer, in front of apps running as their own processes. All
 * fixed-rate rounds run before the closed-loop ones (so memory at 1,000 req/s is not a leftover
 * of heavier load); within each, paths are interleaved round by round (the order rotates) and
 * figures are medians over rounds, with differences and ratios taken within each round first, so
 * a noisy neighbour on this shared 2-core machine hurts both sides of a comparison alike. Goals
 * are printed with a verdict; the exit code is 0 whatever they say (benchmarks are not tests).
 *
 * Settings (environment): BENCH_ROUNDS (5), BENCH_SECONDS per path per round (3),
 * BENCH_WARMUP_SECONDS per path (2), BENCH_LEAD_IN_SECONDS before each fixed-rate round, not
 * recorded (1; 0 measures rounds that start with cold connection pools), BENCH_RATE (1000),
 * BENCH_CONNECTIONS (64),
 * BENCH_TUNED_FLAGS (node options for another set of sidecars instead of the orchestrator's,
 * e.g. `-` for none at all; sets separated by `;` give one set of sidecars each, `NAME=value` words
 * are environment variables; empty (the default) for no other set),
 * BENCH_APP_LOG_LEVEL (info, as the orchestrator runs apps), BENCH_BASELINE_PROXY_MAIN (another
 * build's dist/process/proxy-main.js to measure side by side, for before/after comparisons).
 */
import { existsSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigStreamServer } from '../src/control-plane/stream.js';
import { PROXY_NODE_FLAGS } from '../src/orchestrator/launch.js';
import type { ProxyConfig } from '../src/proxy/config.js';
import { benchCertificates, subjectName, type BenchCertificates } from './certificates.js';
import { LoadGenerator, measureRounds, type LatencyRound, type RoundSettings, type ThroughputRound } from './load-generator.js';
import type { Target } from './load-worker.js';
import { clientSidecar, serverSidecar, serviceAuthority, type PairTls, type ServedApp } from './mesh-config.js';
import { freePort, httpGet, memoryOf, startNode, stopAll, waitUntilReady, type Child, type Memory } from './processes.js';
import { SettingError, setting } from './settings.js';
import { fixed, median, megabytes, memoryTable, table, type SidecarMemory } from './stats.js';
import { COLORTELLER_MAIN, startUpstreamApps, type AppName } from './upstream-apps.js';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(packageDir, '../..');
const PROXY_MAIN = join(packageDir, 'dist/process/proxy-main.js');

/** No second set by default: the proxies already run with the orchestrator's flags. */
const DEFAULT_TUNED_FLAGS = '';

/** Issue #9's goals for a client + server sidecar pair. */
const GOALS = {
  addedP90Ms: { plain: 0.5, mtls: 1 },
  colortellerThroughput: 0.85,
  trivialThroughput: 0.35,
  cpuMsPer1000: 25,
  pssMbAtRate: 20,
};
/** Istio performance and scalability docs: what its Envoy sidecars cost, per 1,000 req/s. */
const ISTIO = { addedP90Ms: 2.65, vcpu: 0.35, memoryMb: 40 };

const APPS: AppName[] = ['colorteller', 'trivial'];
const APP_LABEL: Record<AppName, string> = { colorteller: 'ColorTeller (Express)', trivial: 'trivial node:http' };

/** A way of running the sidecar processes; `direct` is the no-sidecar path. */
interface Variant {
  id: string;
  label: string;
  entry: string;
  /** Node options, and `NAME=value` environment variables, for the sidecar processes. */
  flags: string[];
  /** Mutual TLS between the client and the server sidecar. */
  mtls?: boolean;
}
const DIRECT: Variant = { id: 'direct', label: 'direct', entry: '', flags: [] };
const DEFAULT = 'default';
const MTLS = 'mtls';
const isEnvironment = (word: string) => /^[A-Z_][A-Z0-9_]*=/.test(word);

interface Sidecar extends SidecarMemory {
  variant: string;
  child: Child;
  adminPort: number;
}

interface PathSpec {
  app: AppName;
  variant: Variant;
  target: Target;
  client?: Sidecar;
  server?: Sidecar;
  /** The server sidecar's ingress listener and its TLS, for the checks that mutual TLS refuses what it should. */
  ingressPort?: number;
  tls?: PairTls;
}

const key = (app: AppName, variant: string) => `${app}/${variant}`;

interface Answer {
  status: number;
  body: string;
  server?: string;
  upstreamTime?: string;
}

function call(target: Target): Promise<Answer> {
  return new Promise<Answer>((resolveAnswer, reject) => {
    const req = request({ host: target.host, port: target.port, path: target.path, headers: { host: target.hostHeader }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () =>
        resolveAnswer({
          status: res.statusCode ?? 0,
          body,
          ...(typeof res.headers.server === 'string' ? { server: res.headers.server } : {}),
          ...(typeof res.headers['x-envoy-upstream-service-time'] === 'string' ? { upstreamTime: res.headers['x-envoy-upstream-service-time'] } : {}),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** One request through a path, checked for the colour and (through the mesh) for Envoy's headers. */
async function verify(path: PathSpec): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const answer = await call(path.target).catch((error: unknown): Answer => ({ status: 0, body: String(error) }));
    const meshed = path.variant !== DIRECT;
    if (answer.status === 200 && answer.body === 'blue' && (!meshed || (answer.server === 'envoy' && answer.upstreamTime !== undefined))) return;
    if (Date.now() > deadline) {
      throw new Error(`${APP_LABEL[path.app]} ${path.variant.label} does not answer as expected: ${answer.status} ${JSON.stringify(answer.body.slice(0, 200))}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Whether the server sidecar's ingress turns a connection away: no 200 comes back, whatever the failure. */
function turnedAway(send: (onAnswer: (status: number) => void) => { on(event: 'error', listener: () => void): unknown; end(): void }): Promise<boolean> {
  return new Promise((resolveTurned) => {
    const req = send((status) => resolveTurned(status !== 200));
    req.on('error', () => resolveTurned(true));
    req.end();
  });
}

/**
 * A mutual-TLS path must be what it claims: handshakes counted on both sidecars, and the ingress
 * refusing plain text, a caller with no certificate and one whose certificate the CA signed for
 * another name. Without these a mistake in the settings could leave the "mTLS" figures plain.
 */
async function verifyMutualTls(path: PathSpec): Promise<void> {
  const what = `${APP_LABEL[path.app]} ${path.variant.label}`;
  const handshakes = async (sidecar: Sidecar) => {
    const text = (await httpGet(`http://127.0.0.1:${sidecar.adminPort}/stats`)).body;
    return [...text.matchAll(/ssl\.handshake: (\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
  };
  for (const sidecar of [path.client!, path.server!]) {
    if ((await handshakes(sidecar)) === 0) throw new Error(`${what}: ${sidecar.name} counted no TLS handshake: the hop is not TLS`);
  }
  const port = path.ingressPort!;
  const tls = path.tls!;
  const https = (client: { cert: string; key: string } | undefined) => (onAnswer: (status: number) => void) =>
    httpsRequest(
      { host: '127.0.0.1', port, path: '/', agent: false, ca: tls.cluster.trustedCa, servername: subjectName(path.app), ...(client ?? {}), timeout: 2000 },
      (res) => {
        res.resume();
        onAnswer(res.statusCode ?? 0);
      },
    );
  // The control: with the client sidecar's certificate the same request is answered, so the refusals below are the listener's doing.
  if (await turnedAway(https({ cert: tls.cluster.certificateChain!, key: tls.cluster.privateKey! }))) {
    throw new Error(`${what}: the server sidecar's listener refused the client sidecar's own certificate`);
  }
  const refusals: [string, (onAnswer: (status: number) => void) => ReturnType<typeof request>][] = [
    ['plain HTTP', (onAnswer) => request({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 2000 }, (res) => (res.resume(), onAnswer(res.statusCode ?? 0)))],
    ['TLS without a client certificate', https(undefined)],
    // The server's own certificate: signed by the trusted CA, but not for the name the listener accepts.
    ['a client certificate for another name', https({ cert: tls.listener.certificateChain, key: tls.listener.privateKey })],
  ];
  for (const [attempt, send] of refusals) {
    if (!(await turnedAway(send))) throw new Error(`${what}: the server sidecar's STRICT listener accepted ${attempt}`);
  }
}

function checkBuilt(baseline: string | undefined): void {
  const needed: [string, string][] = [
    [PROXY_MAIN, 'run `pnpm --filter @amw/local-mesh build` first (the root `pnpm bench` builds everything)'],
    [COLORTELLER_MAIN, 'run `pnpm --filter @amw/colorteller build` first (the root `pnpm bench` builds everything)'],
  ];
  if (baseline) needed.push([baseline, 'BENCH_BASELINE_PROXY_MAIN must name a built proxy-main.js']);
  for (const [file, fix] of needed) {
    if (!existsSync(file)) throw new SettingError(`${file} is missing: ${fix}`);
  }
  const newest = ['src/proxy/http-proxy.ts', 'src/http1/server-connection.ts'].map((f) => statSync(join(packageDir, f)).mtimeMs);
  if (Math.max(...newest) > statSync(join(packageDir, 'dist/proxy/http-proxy.js')).mtimeMs) {
    process.stdout.write('note: src/ is newer than dist/: the sidecars run the last build (`pnpm --filter @amw/local-mesh build` to measure your changes)\n');
  }
}

interface Settings extends RoundSettings {
  tunedFlags: string[][];
  appLogLevel: string;
  baseline: string | undefined;
}

function readSettings(): Settings {
  const settings: Settings = {
    rounds: setting('BENCH_ROUNDS', 5, true),
    seconds: setting('BENCH_SECONDS', 3, false),
    warmupSeconds: setting('BENCH_WARMUP_SECONDS', 2, false),
    leadInSeconds: process.env.BENCH_LEAD_IN_SECONDS === '0' ? 0 : setting('BENCH_LEAD_IN_SECONDS', 1, false),
    rate: setting('BENCH_RATE', 1000, true),
    connections: setting('BENCH_CONNECTIONS', 64, true),
    tunedFlags: flagSets(process.env.BENCH_TUNED_FLAGS ?? DEFAULT_TUNED_FLAGS),
    appLogLevel: process.env.BENCH_APP_LOG_LEVEL || 'info',
    baseline: process.env.BENCH_BASELINE_PROXY_MAIN ? resolve(process.env.BENCH_BASELINE_PROXY_MAIN) : undefined,
  };
  if (!['debug', 'info', 'warn', 'error'].includes(settings.appLogLevel)) {
    throw new SettingError(`BENCH_APP_LOG_LEVEL must be debug, info, warn or error (got ${JSON.stringify(settings.appLogLevel)})`);
  }
  return settings;
}

/** `a b;c` → [[a, b], [c]]; `-` stands for a set with no flags at all. */
function flagSets(text: string): string[][] {
  if (!text.trim()) return [];
  return text.split(';').map((set) => set.split(/\s+/).filter((word) => word && word !== '-'));
}

async function main(): Promise<void> {
  const settings = readSettings();
  checkBuilt(settings.baseline);
  const variants: Variant[] = [
    { id: DEFAULT, label: 'via sidecar pair', entry: PROXY_MAIN, flags: [...PROXY_NODE_FLAGS] },
    { id: MTLS, label: 'via sidecar pair, mTLS', entry: PROXY_MAIN, flags: [...PROXY_NODE_FLAGS], mtls: true },
  ];
  settings.tunedFlags.forEach((flags, i) => {
    variants.push({ id: i === 0 ? 'tuned' : `tuned${i + 1}`, label: `via sidecar pair, ${flags.join(' ')}`, entry: PROXY_MAIN, flags });
  });
  if (settings.baseline) variants.push({ id: 'baseline', label: 'via sidecar pair, baseline build', entry: settings.baseline, flags: [] });

  const load = new LoadGenerator();
  const controlPlane = new ConfigStreamServer();
  let certificates: BenchCertificates | undefined;
  try {
    await controlPlane.listen();
    certificates = await benchCertificates(APPS);

    // The apps, each its own process.
    const appPorts = await startUpstreamApps(settings.appLogLevel);

    // For each variant, a client sidecar with one server sidecar per app behind it.
    const paths: PathSpec[] = [];
    const sidecars: Sidecar[] = [];
    const startSidecar = async (name: string, variant: Variant, config: ProxyConfig): Promise<Sidecar> => {
      const admin = await freePort();
      controlPlane.publish(config);
      const child = startNode(
        name,
        [...variant.flags.filter((f) => !isEnvironment(f)), variant.entry],
        {
          ...Object.fromEntries(variant.flags.filter(isEnvironment).map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)])),
          AMW_PROXY_ID: config.node.id,
          AMW_CONTROL_PLANE: controlPlane.url,
          AMW_ADMIN_PORT: String(admin),
          AMW_PROXY_KIND: 'envoy',
        },
        repoRoot,
      );
      await waitUntilReady(child, `http://127.0.0.1:${admin}/ready`);
      const sidecar: Sidecar = { name, variant: variant.id, child, adminPort: admin };
      sidecars.push(sidecar);
      return sidecar;
    };
    for (const app of APPS) {
      paths.push({ app, variant: DIRECT, target: { host: '127.0.0.1', port: appPorts[app], path: '/', hostHeader: `127.0.0.1:${appPorts[app]}` } });
    }
    for (const variant of variants) {
      const served: ServedApp[] = [];
      for (const app of APPS) {
        served.push({ name: app, appPort: appPorts[app], ingressPort: await freePort(), ...(variant.mtls ? { tls: certificates.pairFor(app) } : {}) });
      }
      const egressPort = await freePort();
      const servers = new Map<string, Sidecar>();
      for (const app of served) {
        servers.set(app.name, await startSidecar(`server sidecar, ${app.name} (${variant.id})`, variant, serverSidecar(app, variant.id)));
      }
      const client = await startSidecar(`client sidecar (${variant.id})`, variant, clientSidecar(egressPort, served, variant.id));
      for (const [i, app] of APPS.entries()) {
        const { ingressPort, tls } = served[i]!;
        const authority = serviceAuthority({ name: app });
        paths.push({
          app,
          variant,
          target: { host: '127.0.0.1', port: egressPort, path: `http://${authority}/`, hostHeader: authority },
          client,
          server: servers.get(app)!,
          ingressPort,
          ...(tls ? { tls } : {}),
        });
      }
    }
    for (const path of paths) {
      await verify(path);
      if (path.tls) await verifyMutualTls(path);
    }

    // Idle memory: configured, one request each, nothing else yet.
    await new Promise((r) => setTimeout(r, 2000));
    for (const sidecar of sidecars) sidecar.idle = memoryOf(sidecar.child.process.pid!);

    const loadBefore = loadavg();
    const minutes = Math.ceil((paths.length * settings.warmupSeconds + settings.rounds * (2 * settings.seconds + settings.leadInSeconds) * paths.length) / 60);
    process.stdout.write(
      `${paths.length} paths: ${settings.warmupSeconds} s warm-up each, then ${settings.rounds} rounds of ${settings.seconds} s per path per measurement ` +
        `(after a ${settings.leadInSeconds} s lead-in at the fixed rate; about ${minutes} min)\n`,
    );
    const { latency, throughput } = await measureRounds(load, paths, settings, (path) => key(path.app, path.variant.id));
    process.stdout.write(report({ settings, latency, throughput, sidecars, variants, loadBefore, loadAfter: loadavg() }));
  } finally {
    await load.close();
    await stopAll();
    await controlPlane.close();
    await certificates?.remove();
  }
}

interface ReportInput {
  settings: Settings;
  latency: Map<string, LatencyRound[]>;
  throughput: Map<string, ThroughputRound[]>;
  sidecars: Sidecar[];
  variants: Variant[];
  loadBefore: number[];
  loadAfter: number[];
}

function report({ settings, latency, throughput, sidecars, variants, loadBefore, loadAfter }: ReportInput): string {
  const out: string[] = [];
  const all = [DIRECT, ...variants];
  const lat = (app: AppName, variant: string) => latency.get(key(app, variant)) ?? [];
  const tput = (app: AppName, variant: string) => throughput.get(key(app, variant)) ?? [];
  /** Median over rounds of a per-round difference (or ratio) between two paths. */
  const paired = (a: number[], b: number[], combine: (x: number, y: number) => number) => median(a.map((x, i) => combine(x, b[i]!)));
  const sum = (values: number[]) => values.reduce((s, v) => s + v, 0);
  const signed = (value: number) => `${value >= 0 ? '+' : ''}${fixed(value)}`;

  out.push('');
  out.push(
    `local-mesh sidecar benchmark: node ${process.version}, ${cpus().length} CPUs shared with other work, ` +
      `load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} before, ${loadAfter.map((l) => l.toFixed(2)).join(' ')} after.`,
  );
  out.push(
    `${settings.rounds} rounds, ${settings.seconds} s per path each; paths interleaved, order rotating each round; medians over rounds ` +
      `(differences and ratios taken within a round first). Apps log at ${settings.appLogLevel}, as the orchestrator runs them.`,
  );

  const sends = [...latency.values()].flat();
  const lateShare = sum(sends.map((r) => r.late)) / (sends.length * settings.rate * settings.seconds);
  if (lateShare > 0.02 || loadAfter[0]! > cpus().length * 1.5) {
    out.push(
      `WARNING: the machine was busy (${fixed(lateShare * 100, 1)}% of fixed-rate sends left more than 2 ms late, load average ${loadAfter[0]!.toFixed(1)} ` +
        `on ${cpus().length} CPUs): other work shared the cores, so the figures below are noisier than usual; run again when it is quieter.`,
    );
  }

  out.push('', `1. Latency at a fixed ${settings.rate} req/s, open loop (ms, from handing the request to the socket to the end of the answer)`);
  out.push(
    table(
      ['path', 'p50', 'p90', 'p99', 'failed', 'late sends', 'connections'],
      APPS.flatMap((app) =>
        all.map((v) => {
          const rounds = lat(app, v.id);
          return [
            `${APP_LABEL[app]}, ${v.label}`,
            fixed(median(rounds.map((r) => r.p50))),
            fixed(median(rounds.map((r) => r.p90))),
            fixed(median(rounds.map((r) => r.p99))),
            String(sum(rounds.map((r) => r.failed))),
            String(sum(rounds.map((r) => r.late))),
            String(Math.max(0, ...rounds.map((r) => r.connections))),
          ];
        }),
      ),
    ),
  );
  const added = (app: AppName, variant: string, q: 'p50' | 'p90' | 'p99') =>
    paired(lat(app, variant).map((r) => r[q]), lat(app, 'direct').map((r) => r[q]), (m, d) => m - d);
  const rateCpu = (app: AppName, variant: string, side: 'clientCpu' | 'serverCpu') => median(lat(app, variant).map((r) => r[side]));
  out.push('', `Added by the sidecar pair (meshed − direct in the same round, ms), and sidecar CPU in ms per 1,000 requests at ${settings.rate} req/s:`);
  out.push(
    table(
      ['path', '+p50', '+p90', '+p99', 'client CPU', 'server CPU'],
      APPS.flatMap((app) =>
        variants.map((v) => [
          `${APP_LABEL[app]}, ${v.label}`,
          fixed(added(app, v.id, 'p50')),
          fixed(added(app, v.id, 'p90')),
          fixed(added(app, v.id, 'p99')),
          fixed(rateCpu(app, v.id, 'clientCpu'), 1),
          fixed(rateCpu(app, v.id, 'serverCpu'), 1),
        ]),
      ),
    ),
  );

  out.push('', `2. Throughput at ${settings.connections} connections, closed loop (autocannon); sidecar CPU in ms per 1,000 requests`);
  const ratio = (app: AppName, variant: string, versus = 'direct') => paired(tput(app, variant).map((r) => r.rps), tput(app, versus).map((r) => r.rps), (m, d) => m / d);
  out.push(
    table(
      ['path', 'req/s', 'of direct', 'client CPU', 'server CPU', 'failed'],
      APPS.flatMap((app) =>
        all.map((v) => {
          const rounds = tput(app, v.id);
          return [
            `${APP_LABEL[app]}, ${v.label}`,
            fixed(median(rounds.map((r) => r.rps)), 0),
            v === DIRECT ? '100%' : `${fixed(ratio(app, v.id) * 100, 0)}%`,
            v === DIRECT ? '' : fixed(median(rounds.map((r) => r.clientCpu)), 1),
            v === DIRECT ? '' : fixed(median(rounds.map((r) => r.serverCpu)), 1),
            String(sum(rounds.map((r) => r.failed))),
          ];
        }),
      ),
    ),
  );

  out.push('', ...memoryTable(sidecars, settings));

  const of = (variant: string) => sidecars.filter((s) => s.variant === variant);
  const peak = (variant: string, when: 'idle' | 'atRate' | 'atConnections', field: keyof Memory) =>
    Math.max(...of(variant).map((s) => s[when]?.[field] ?? NaN));
  /** The largest figure any sidecar of a variant showed, idle and at each load. */
  const memoryLine = (variant: string) =>
    `RSS ${megabytes(peak(variant, 'idle', 'rss'))} idle, ${megabytes(peak(variant, 'atRate', 'rss'))} at ${settings.rate} req/s, ` +
    `${megabytes(peak(variant, 'atConnections', 'rss'))} at ${settings.connections} connections; PSS ${megabytes(peak(variant, 'idle', 'pss'))} / ` +
    `${megabytes(peak(variant, 'atRate', 'pss'))} / ${megabytes(peak(variant, 'atConnections', 'pss'))} MB`;
  const cpu = (app: AppName, variant: string) => tput(app, variant).map((r) => r.clientCpu + r.serverCpu);
  const verdict = (met: boolean) => (met ? 'MET   ' : 'MISSED');
  const p90 = (variant: string) => ({ colorteller: added('colorteller', variant, 'p90'), trivial: added('trivial', variant, 'p90') });
  const worst = (values: number[]) => (values.some((v) => !Number.isFinite(v)) ? NaN : Math.max(...values));
  /** The busier sidecar of a variant, over both upstreams: the goal is per sidecar. */
  const busiest = (variant: string, perRequest: (app: AppName, v: string, side: 'clientCpu' | 'serverCpu') => number) =>
    worst(APPS.flatMap((app) => [perRequest(app, variant, 'clientCpu'), perRequest(app, variant, 'serverCpu')]));
  const saturatedCpu = (app: AppName, variant: string, side: 'clientCpu' | 'serverCpu') => median(tput(app, variant).map((r) => r[side]));
  // NaN never meets a goal: a figure that could not be measured is not a success.
  const meets = (value: number, limit: number, atMost = true) => Number.isFinite(value) && (atMost ? value <= limit : value >= limit);
  const percent = (value: number) => `${fixed(value * 100, 0)}%`;

  out.push('', `Goals (issue #9; sidecars as the orchestrator runs them; the mTLS figure is judged where the goal names mTLS, else shown beside the plain one)`);
  for (const [variant, limit, label] of [
    [DEFAULT, GOALS.addedP90Ms.plain, 'plain HTTP between the sidecars'],
    [MTLS, GOALS.addedP90Ms.mtls, 'mutual TLS between the sidecars'],
  ] as const) {
    const { colorteller, trivial } = p90(variant);
    out.push(
      `  [${verdict(meets(worst([colorteller, trivial]), limit))}] p90 added by the sidecar pair at ${settings.rate} req/s ≤ ${limit} ms, ${label}, judged on both upstreams: ` +
        `ColorTeller ${signed(colorteller)} ms, trivial ${signed(trivial)} ms`,
    );
  }
  for (const [app, limit] of [
    ['colorteller', GOALS.colortellerThroughput],
    ['trivial', GOALS.trivialThroughput],
  ] as const) {
    out.push(
      `  [${verdict(meets(ratio(app, DEFAULT), limit, false))}] ${APP_LABEL[app]} throughput meshed ≥ ${percent(limit)} of direct at ${settings.connections} connections: ` +
        `${percent(ratio(app, DEFAULT))} (mTLS: ${percent(ratio(app, MTLS))})`,
    );
  }
  out.push(
    `  [${verdict(meets(busiest(DEFAULT, rateCpu), GOALS.cpuMsPer1000))}] CPU ≤ ${GOALS.cpuMsPer1000} ms per 1,000 requests per sidecar at ${settings.rate} req/s, the busier sidecar over both upstreams: ` +
      `${fixed(busiest(DEFAULT, rateCpu), 1)} ms (mTLS: ${fixed(busiest(MTLS, rateCpu), 1)} ms); at ${settings.connections} connections ` +
      `${fixed(busiest(DEFAULT, saturatedCpu), 1)} ms (mTLS: ${fixed(busiest(MTLS, saturatedCpu), 1)} ms)`,
  );
  const pssAtRate = (variant: string) => peak(variant, 'atRate', 'pss') / 1024;
  out.push(
    `  [${verdict(meets(pssAtRate(DEFAULT), GOALS.pssMbAtRate))}] PSS ≤ ${GOALS.pssMbAtRate} MB per sidecar at ${settings.rate} req/s, the largest sidecar: ` +
      `${fixed(pssAtRate(DEFAULT), 1)} MB (mTLS: ${fixed(pssAtRate(MTLS), 1)} MB). Plain: ${memoryLine(DEFAULT)}; mTLS: ${memoryLine(MTLS)}`,
  );
  const vcpu = (variant: string) => busiest(variant, rateCpu) / 1000;
  out.push(
    `  reference, Istio performance and scalability docs (Istio 1.10-1.15): its Envoy sidecars add ${ISTIO.addedP90Ms} ms at p90 and use ` +
      `${ISTIO.vcpu} vCPU and ${ISTIO.memoryMb} MB per 1,000 req/s each. Here at ${settings.rate} req/s: +${fixed(worst(Object.values(p90(DEFAULT))))} ms by the pair ` +
      `(mTLS +${fixed(worst(Object.values(p90(MTLS))))} ms), ${fixed(vcpu(DEFAULT), 3)} vCPU (mTLS ${fixed(vcpu(MTLS), 3)}) and ` +
      `${fixed(pssAtRate(DEFAULT), 1)} MB PSS (mTLS ${fixed(pssAtRate(MTLS), 1)}) per sidecar`,
  );
  for (const v of variants.filter((x) => x.id !== DEFAULT)) {
    const versus = (app: AppName) => paired(lat(app, v.id).map((r) => r.p90), lat(app, DEFAULT).map((r) => r.p90), (a, b) => a - b);
    const cpuRatio = (app: AppName) => paired(cpu(app, v.id), cpu(app, DEFAULT), (a, b) => a / b);
    const name = v.id === 'baseline' ? 'baseline build' : v.mtls ? 'mTLS' : `with ${v.flags.join(' ')}`;
    out.push(
      `  ${name}: ${memoryLine(v.id)}. Against the plain default sidecars: ` +
        `p90 ${signed(versus('colorteller'))} ms (ColorTeller) / ${signed(versus('trivial'))} ms (trivial); throughput ` +
        `${percent(ratio('colorteller', v.id, DEFAULT))} / ${percent(ratio('trivial', v.id, DEFAULT))}; CPU per request at ${settings.connections} connections ` +
        `${percent(cpuRatio('colorteller'))} / ${percent(cpuRatio('trivial'))} of theirs`,
    );
  }
  return out.join('\n') + '\n\n';
}

main().then(
  () => process.exit(0),
  async (error: unknown) => {
    await stopAll();
    process.stderr.write(`local-mesh bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
