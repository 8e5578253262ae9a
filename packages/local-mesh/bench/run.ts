/**
 * What a client+server sidecar pair costs a request, measured on this machine in one run:
 *
 * 1. latency added at a fixed 1,000 req/s (open loop): an app called directly vs. the same app
 *    called through the client sidecar's egress listener (absolute-form request, as apps send
 *    through HTTP_PROXY) and the server sidecar's ingress listener;
 * 2. throughput at 64 connections (closed loop), same two paths, against the real ColorTeller
 *    app (Express, as every walkthrough's apps are) and against a trivial node:http server;
 * 3. memory per sidecar (RSS, and PSS/private from smaps_rollup) idle and under load, for the
 *    default proxy process and for one started with the V8 flags in BENCH_TUNED_FLAGS.
 *
 * Everything is real: `proxy-main` processes from dist/, configured over the control plane's
 * stream by a ConfigStreamServer, in front of apps running as their own processes. Paths are
 * interleaved round by round (the order rotates) and figures are medians over rounds, with
 * differences and ratios taken within each round first, so a noisy neighbour on this shared
 * 2-core machine hurts both sides of a comparison alike. Goals are printed with a verdict; the
 * exit code is 0 whatever they say (benchmarks are not tests).
 */
import { existsSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ConfigStreamServer } from '../src/control-plane/stream.js';
import type { ProxyConfig } from '../src/proxy/config.js';
import type { ClosedResult, Job, OpenResult, Target } from './load-worker.js';
import { clientSidecar, serverSidecar, serviceAuthority, type ServedApp } from './mesh-config.js';
import { freePort, maxMemory, memoryOf, startNode, stopAll, waitUntilReady, type Child, type Memory } from './processes.js';
import { fixed, median, megabytes, percentile, table } from './stats.js';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(packageDir, '../..');
const PROXY_MAIN = join(packageDir, 'dist/process/proxy-main.js');
const COLORTELLER_MAIN = join(repoRoot, 'apps/colorteller/dist/main.js');
const TRIVIAL_MAIN = join(packageDir, 'bench/trivial-upstream.ts');

/** Young-generation cap: the largest legitimate RSS saving measured (see the README's Benchmark section). */
const DEFAULT_TUNED_FLAGS = '--max-semi-space-size=1';

const GOALS = { addedP90Ms: 1, throughputRatio: 0.6, rssMb: 40 };

function setting(name: string, fallback: number, integer: boolean): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new SettingError(`${name} must be a positive ${integer ? 'integer' : 'number'} (got ${JSON.stringify(raw)}); unset it to use ${fallback}`);
  }
  return value;
}

class SettingError extends Error {}

type AppName = 'colorteller' | 'trivial';
type Via = 'direct' | 'default' | 'tuned';

interface Sidecar {
  name: string;
  child: Child;
  idle?: Memory;
  atRate?: Memory;
  atConnections?: Memory;
}

interface PathSpec {
  app: AppName;
  via: Via;
  target: Target;
  sidecars: Sidecar[];
}

const APP_LABEL: Record<AppName, string> = { colorteller: 'ColorTeller (Express)', trivial: 'trivial node:http' };
const VIA_LABEL: Record<Via, string> = { direct: 'direct', default: 'via sidecar pair', tuned: 'via sidecar pair, tuned flags' };
const key = (app: AppName, via: Via) => `${app}/${via}`;

/** The worker is TypeScript: it registers tsx itself, since loader hooks given to this process do not reach workers. */
const WORKER_BOOTSTRAP = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(new URL('./load-worker.ts', import.meta.url).href)}); })`;

class LoadGenerator {
  private readonly worker = new Worker(WORKER_BOOTSTRAP, { eval: true });

  run<T extends OpenResult | ClosedResult>(job: Job): Promise<T> {
    return new Promise((resolvePromise, reject) => {
      const onError = (error: Error) => reject(error);
      this.worker.once('error', onError);
      this.worker.once('message', (result: T | { kind: 'failed'; message: string }) => {
        this.worker.off('error', onError);
        if (result.kind === 'failed') reject(new Error(`load generator: ${result.message}`));
        else resolvePromise(result);
      });
      this.worker.postMessage(job);
    });
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }
}

/** Samples the sidecars' memory while `work` runs, keeping each one's peak under `field`. */
async function sampled<T>(sidecars: Sidecar[], field: 'atRate' | 'atConnections', work: Promise<T>): Promise<T> {
  const sample = () => {
    for (const sidecar of sidecars) {
      if (sidecar.child.process.pid !== undefined) sidecar[field] = maxMemory(sidecar[field], memoryOf(sidecar.child.process.pid));
    }
  };
  const timer = setInterval(sample, 250);
  try {
    return await work;
  } finally {
    clearInterval(timer);
    sample();
  }
}

interface Answer {
  status: number;
  body: string;
  server?: string;
  upstreamTime?: string;
}

/** One request through a path, checked for the colour and (through the mesh) for Envoy's headers. */
async function verify(path: PathSpec): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const answer: Answer = await new Promise<Answer>((resolveAnswer, reject) => {
      const req = request({ host: path.target.host, port: path.target.port, path: path.target.path, headers: { host: path.target.hostHeader }, agent: false }, (res) => {
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
    }).catch((error: unknown) => ({ status: 0, body: String(error) }));
    const meshed = path.via !== 'direct';
    if (answer.status === 200 && answer.body === 'blue' && (!meshed || (answer.server === 'envoy' && answer.upstreamTime !== undefined))) return;
    if (Date.now() > deadline) {
      throw new Error(`${APP_LABEL[path.app]} ${VIA_LABEL[path.via]} does not answer as expected: ${answer.status} ${JSON.stringify(answer.body.slice(0, 200))}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function rotate<T>(items: T[], by: number): T[] {
  const n = by % items.length;
  return [...items.slice(n), ...items.slice(0, n)];
}

function checkBuilt(): void {
  for (const [file, build] of [
    [PROXY_MAIN, 'pnpm --filter @amw/local-mesh build'],
    [COLORTELLER_MAIN, 'pnpm --filter @amw/colorteller build'],
  ] as const) {
    if (!existsSync(file)) throw new SettingError(`${file} is missing: run \`${build}\` first (the root \`pnpm bench\` builds everything)`);
  }
  const proxySource = join(packageDir, 'src/proxy/http-proxy.ts');
  if (statSync(proxySource).mtimeMs > statSync(join(packageDir, 'dist/proxy/http-proxy.js')).mtimeMs) {
    process.stdout.write('note: src/proxy is newer than dist/: the sidecars run the last build (run `pnpm --filter @amw/local-mesh build` to measure your changes)\n');
  }
}

async function main(): Promise<void> {
  const settings = {
    rounds: setting('BENCH_ROUNDS', 5, true),
    seconds: setting('BENCH_SECONDS', 3, false),
    warmupSeconds: setting('BENCH_WARMUP_SECONDS', 2, false),
    rate: setting('BENCH_RATE', 1000, true),
    connections: setting('BENCH_CONNECTIONS', 64, true),
    tunedFlags: (process.env.BENCH_TUNED_FLAGS ?? DEFAULT_TUNED_FLAGS).split(/\s+/).filter(Boolean),
    appLogLevel: process.env.BENCH_APP_LOG_LEVEL ?? 'info',
  };
  if (!['debug', 'info', 'warn', 'error'].includes(settings.appLogLevel)) {
    throw new SettingError(`BENCH_APP_LOG_LEVEL must be debug, info, warn or error (got ${JSON.stringify(settings.appLogLevel)})`);
  }
  checkBuilt();
  const variants: Exclude<Via, 'direct'>[] = settings.tunedFlags.length > 0 ? ['default', 'tuned'] : ['default'];
  const flagsOf = (via: Via) => (via === 'tuned' ? settings.tunedFlags : []);

  const load = new LoadGenerator();
  const controlPlane = new ConfigStreamServer();
  try {
    await controlPlane.listen();

    // The apps, each its own process.
    const appPorts: Record<AppName, number> = { colorteller: await freePort(), trivial: await freePort() };
    const colorteller = startNode(
      'colorteller',
      [COLORTELLER_MAIN],
      { PORT: String(appPorts.colorteller), COLOR: 'blue', LOG_LEVEL: settings.appLogLevel },
      repoRoot,
    );
    const trivial = startNode('trivial-upstream', ['--import', 'tsx', TRIVIAL_MAIN], { BENCH_PORT: String(appPorts.trivial) }, packageDir);
    await waitUntilReady(colorteller, `http://127.0.0.1:${appPorts.colorteller}/ping`);
    await waitUntilReady(trivial, `http://127.0.0.1:${appPorts.trivial}/`);

    // A sidecar pair (client + one server sidecar per app) for each variant of the proxy process.
    const paths = new Map<string, PathSpec>();
    const sidecars: Sidecar[] = [];
    const startSidecar = async (name: string, config: ProxyConfig, flags: string[]): Promise<Sidecar> => {
      const admin = await freePort();
      controlPlane.publish(config);
      const child = startNode(
        name,
        [...flags, PROXY_MAIN],
        { AMW_PROXY_ID: config.node.id, AMW_CONTROL_PLANE: controlPlane.url, AMW_ADMIN_PORT: String(admin), AMW_PROXY_KIND: 'envoy' },
        repoRoot,
      );
      await waitUntilReady(child, `http://127.0.0.1:${admin}/ready`);
      const sidecar: Sidecar = { name, child };
      sidecars.push(sidecar);
      return sidecar;
    };
    for (const app of ['colorteller', 'trivial'] as const) {
      paths.set(key(app, 'direct'), {
        app,
        via: 'direct',
        target: { host: '127.0.0.1', port: appPorts[app], path: '/', hostHeader: `127.0.0.1:${appPorts[app]}` },
        sidecars: [],
      });
    }
    for (const via of variants) {
      const served: Record<AppName, ServedApp> = {
        colorteller: { name: 'colorteller', appPort: appPorts.colorteller, ingressPort: await freePort() },
        trivial: { name: 'trivial', appPort: appPorts.trivial, ingressPort: await freePort() },
      };
      const egressPort = await freePort();
      const servers = {
        colorteller: await startSidecar(`server sidecar, ColorTeller (${via})`, serverSidecar(served.colorteller, via), flagsOf(via)),
        trivial: await startSidecar(`server sidecar, trivial (${via})`, serverSidecar(served.trivial, via), flagsOf(via)),
      };
      const client = await startSidecar(`client sidecar (${via})`, clientSidecar(egressPort, Object.values(served), via), flagsOf(via));
      for (const app of ['colorteller', 'trivial'] as const) {
        const authority = serviceAuthority(served[app]);
        paths.set(key(app, via), {
          app,
          via,
          target: { host: '127.0.0.1', port: egressPort, path: `http://${authority}/`, hostHeader: authority },
          sidecars: [client, servers[app]],
        });
      }
    }
    for (const path of paths.values()) await verify(path);

    // Idle memory: configured, verified once, nothing else yet.
    await new Promise((r) => setTimeout(r, 2000));
    for (const sidecar of sidecars) sidecar.idle = memoryOf(sidecar.child.process.pid!);

    const loadBefore = loadavg();
    process.stdout.write(
      `warming up ${paths.size} paths for ${settings.warmupSeconds} s each, then ${settings.rounds} rounds of ${settings.seconds} s per path ` +
        `(about ${Math.ceil((paths.size * settings.warmupSeconds + settings.rounds * settings.seconds * (paths.size * 2 - 1)) / 60)} min)…\n`,
    );
    for (const path of paths.values()) {
      await load.run({ kind: 'closed', connections: 16, seconds: settings.warmupSeconds, target: path.target });
    }

    // 1. Fixed rate. 2. Closed loop. Interleaved, rotating the order every round.
    const latencyPaths = [...paths.values()];
    const throughputPaths = [...paths.values()];
    const latency = new Map<string, { p50: number; p90: number; p99: number; errors: number; non2xx: number; late: number; connections: number }[]>();
    const throughput = new Map<string, ClosedResult[]>();
    for (let round = 0; round < settings.rounds; round++) {
      for (const path of rotate(latencyPaths, round)) {
        const result = await sampled(
          path.sidecars,
          'atRate',
          load.run<OpenResult>({ kind: 'open', rate: settings.rate, maxConnections: settings.connections, seconds: settings.seconds, target: path.target }),
        );
        const sorted = result.latenciesMs.sort((a, b) => a - b);
        const list = latency.get(key(path.app, path.via)) ?? [];
        list.push({
          p50: percentile(sorted, 0.5),
          p90: percentile(sorted, 0.9),
          p99: percentile(sorted, 0.99),
          errors: result.errors,
          non2xx: result.non2xx,
          late: result.lateSends,
          connections: result.connections,
        });
        latency.set(key(path.app, path.via), list);
      }
      for (const path of rotate(throughputPaths, round)) {
        const result = await sampled(
          path.sidecars,
          'atConnections',
          load.run<ClosedResult>({ kind: 'closed', connections: settings.connections, seconds: settings.seconds, target: path.target }),
        );
        const list = throughput.get(key(path.app, path.via)) ?? [];
        list.push(result);
        throughput.set(key(path.app, path.via), list);
      }
      process.stdout.write(`round ${round + 1}/${settings.rounds} done\n`);
    }
    const loadAfter = loadavg();

    report({ settings, paths, latency, throughput, sidecars, variants, loadBefore, loadAfter });
  } finally {
    await load.close();
    await stopAll();
    await controlPlane.close();
  }
}

interface ReportInput {
  settings: { rounds: number; seconds: number; warmupSeconds: number; rate: number; connections: number; tunedFlags: string[]; appLogLevel: string };
  paths: Map<string, PathSpec>;
  latency: Map<string, { p50: number; p90: number; p99: number; errors: number; non2xx: number; late: number; connections: number }[]>;
  throughput: Map<string, ClosedResult[]>;
  sidecars: Sidecar[];
  variants: Exclude<Via, 'direct'>[];
  loadBefore: number[];
  loadAfter: number[];
}

function report({ settings, latency, throughput, sidecars, variants, loadBefore, loadAfter }: ReportInput): void {
  const out: string[] = [];
  const apps: AppName[] = ['colorteller', 'trivial'];
  const vias: Via[] = ['direct', ...variants];
  const lat = (app: AppName, via: Via) => latency.get(key(app, via)) ?? [];
  const rps = (app: AppName, via: Via) => (throughput.get(key(app, via)) ?? []).map((r) => r.requestsPerSecond);
  /** Median over rounds of a per-round difference (or ratio) between two paths. */
  const paired = (a: number[], b: number[], combine: (x: number, y: number) => number) => median(a.map((x, i) => combine(x, b[i]!)));
  const sum = (values: number[]) => values.reduce((s, v) => s + v, 0);

  out.push('');
  out.push(`local-mesh sidecar benchmark — node ${process.version}, ${cpus().length} CPUs shared with other work, load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} before, ${loadAfter.map((l) => l.toFixed(2)).join(' ')} after`);
  out.push(
    `${settings.rounds} rounds, ${settings.seconds} s per path per round, paths interleaved with the order rotating each round; figures are medians over rounds ` +
      `(differences and ratios are taken within a round, then the median). Apps log at ${settings.appLogLevel}, as the orchestrator runs them.`,
  );
  if (variants.includes('tuned')) out.push(`"tuned flags": the sidecar processes run with ${settings.tunedFlags.join(' ')}.`);

  out.push('', `1. Latency at a fixed ${settings.rate} req/s, open loop (ms; from handing the request to the socket to the end of the answer)`);
  const latencyRows: string[][] = [];
  for (const app of apps) {
    for (const via of vias) {
      const rounds = lat(app, via);
      latencyRows.push([
        `${APP_LABEL[app]}, ${VIA_LABEL[via]}`,
        fixed(median(rounds.map((r) => r.p50))),
        fixed(median(rounds.map((r) => r.p90))),
        fixed(median(rounds.map((r) => r.p99))),
        String(sum(rounds.map((r) => r.errors + r.non2xx))),
        String(sum(rounds.map((r) => r.late))),
        String(Math.max(0, ...rounds.map((r) => r.connections))),
      ]);
    }
  }
  out.push(table(['path', 'p50', 'p90', 'p99', 'failed', 'late sends', 'connections'], latencyRows));
  out.push('', 'Added by the sidecar pair (meshed − direct, same round):');
  const addedRows: string[][] = [];
  const addedP90: Partial<Record<string, number>> = {};
  for (const app of apps) {
    for (const via of variants) {
      const meshed = lat(app, via);
      const direct = lat(app, 'direct');
      const added = (q: 'p50' | 'p90' | 'p99') => paired(meshed.map((r) => r[q]), direct.map((r) => r[q]), (m, d) => m - d);
      addedP90[key(app, via)] = added('p90');
      addedRows.push([`${APP_LABEL[app]}, ${VIA_LABEL[via]}`, fixed(added('p50')), fixed(added('p90')), fixed(added('p99'))]);
    }
  }
  out.push(table(['path', '+p50', '+p90', '+p99'], addedRows));

  out.push('', `2. Throughput at ${settings.connections} connections, closed loop (autocannon)`);
  const ratio: Partial<Record<string, number>> = {};
  const throughputRows: string[][] = [];
  for (const app of apps) {
    for (const via of vias) {
      const results = throughput.get(key(app, via)) ?? [];
      const r = via === 'direct' ? 1 : paired(rps(app, via), rps(app, 'direct'), (m, d) => m / d);
      ratio[key(app, via)] = r;
      throughputRows.push([
        `${APP_LABEL[app]}, ${VIA_LABEL[via]}`,
        fixed(median(rps(app, via)), 0),
        via === 'direct' ? '100%' : `${fixed(r * 100, 0)}%`,
        String(sum(results.map((x) => x.errors + x.non2xx))),
      ]);
    }
  }
  out.push(table(['path', 'req/s', 'of direct', 'failed'], throughputRows));

  out.push('', '3. Memory per sidecar, MB: RSS / PSS / private (PSS and private discount the Node binary pages every sidecar shares)');
  const mem = (m: Memory | undefined) => (m ? `${megabytes(m.rss)} / ${megabytes(m.pss)} / ${megabytes(m.private)}` : 'n/a');
  out.push(
    table(
      ['sidecar', 'idle', `peak at ${settings.rate} req/s`, `peak at ${settings.connections} connections`],
      sidecars.map((s) => [s.name, mem(s.idle), mem(s.atRate), mem(s.atConnections)]),
    ),
  );

  // Verdicts.
  const verdict = (met: boolean) => (met ? 'MET   ' : 'MISSED');
  out.push('', 'Goals');
  const p90ct = addedP90[key('colorteller', 'default')] ?? NaN;
  const p90tr = addedP90[key('trivial', 'default')] ?? NaN;
  out.push(
    `  [${verdict(Math.max(p90ct, p90tr) <= GOALS.addedP90Ms)}] latency added at p90 ≤ ${GOALS.addedP90Ms} ms (judged on both upstreams): ` +
      `ColorTeller +${fixed(p90ct)} ms, trivial +${fixed(p90tr)} ms`,
  );
  const ratioCt = ratio[key('colorteller', 'default')] ?? NaN;
  const ratioTr = ratio[key('trivial', 'default')] ?? NaN;
  out.push(
    `  [${verdict(ratioCt >= GOALS.throughputRatio)}] throughput ≥ ${GOALS.throughputRatio * 100}% of direct, judged on ColorTeller: ${fixed(ratioCt * 100, 0)}%. ` +
      `Against the trivial upstream: ${fixed(ratioTr * 100, 0)}% (not judged: on loopback a proxy hop costs about as much CPU as a trivial ` +
      `HTTP server, so two hops and the app share 2 cores; the walkthroughs' apps are Express apps like ColorTeller)`,
  );
  const defaults = sidecars.filter((s) => s.name.endsWith('(default)'));
  const peak = (list: Sidecar[], field: 'idle' | 'atRate') => Math.max(...list.map((s) => s[field]?.rss ?? NaN));
  const peakOf = (list: Sidecar[], field: 'pss' | 'private') => Math.max(...list.map((s) => s.atRate?.[field] ?? NaN));
  out.push(
    `  [${verdict(peak(defaults, 'atRate') / 1024 <= GOALS.rssMb)}] RSS ≤ ${GOALS.rssMb} MB per sidecar at ${settings.rate} req/s: peak ${megabytes(peak(defaults, 'atRate'))} MB ` +
      `(idle ${megabytes(peak(defaults, 'idle'))} MB; PSS ${megabytes(peakOf(defaults, 'pss'))} MB, private ${megabytes(peakOf(defaults, 'private'))} MB)`,
  );
  if (variants.includes('tuned')) {
    const tuned = sidecars.filter((s) => s.name.endsWith('(tuned)'));
    const latencyCost = paired(lat('colorteller', 'tuned').map((r) => r.p90), lat('colorteller', 'default').map((r) => r.p90), (t, d) => t - d);
    const throughputCost = paired(rps('colorteller', 'tuned'), rps('colorteller', 'default'), (t, d) => t / d);
    const throughputCostTrivial = paired(rps('trivial', 'tuned'), rps('trivial', 'default'), (t, d) => t / d);
    out.push(
      `  [${verdict(peak(tuned, 'atRate') / 1024 <= GOALS.rssMb)}] with ${settings.tunedFlags.join(' ')}: peak RSS ${megabytes(peak(tuned, 'atRate'))} MB at ${settings.rate} req/s ` +
        `(idle ${megabytes(peak(tuned, 'idle'))} MB; PSS ${megabytes(peakOf(tuned, 'pss'))} MB); cost vs default flags: p90 ${latencyCost >= 0 ? '+' : ''}${fixed(latencyCost)} ms, ` +
        `throughput ${fixed(throughputCost * 100, 0)}% (ColorTeller) / ${fixed(throughputCostTrivial * 100, 0)}% (trivial) of the default sidecars'`,
    );
  }
  out.push('');
  process.stdout.write(out.join('\n') + '\n');
}

main().then(
  () => process.exit(0),
  async (error: unknown) => {
    await stopAll();
    process.stderr.write(`local-mesh bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
