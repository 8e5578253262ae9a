/**
 * The mesh console's side of a run's API: `GET /v1/console/events` (server-sent events: a
 * snapshot on connect, then one a second, and one at once when the step changes) and the built
 * page under `/console/`. Every proxy's stats and access-log tail are read once a tick for every
 * connected page together, and only while a page is connected, so ten open tabs cost the proxies
 * what one does.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import type { Walkthrough } from '@amw/mesh-manifests';
import {
  countsSince,
  instanceHealth,
  mergeAccessLogs,
  parseClusterCounts,
  parseClusterHealth,
  statValue,
  sumCounts,
  validateLoadRequest,
  virtualNodeHealth,
  webRoot as builtPage,
  type AccessLogLine,
  type ClusterHealth,
  type ConsoleSnapshot,
  type KongCounters,
  type LoadEntry,
  type RouteSplit,
  type TargetCounts,
  type Topology,
} from '@amw/mesh-console';
import { instanceLabel, type MeshWorld } from '../control-plane/world.js';
import type { ProxyConfig } from '../proxy/config.js';
import { LoadBurst } from './load.js';
import { loadEntriesOf, type RunEntry } from './load-entries.js';
import { nodeClusterName, splitSources, topologyOf, type SplitSource } from './topology.js';

export interface ConsoleSource {
  walkthrough: Walkthrough;
  step(): string;
  applying(): string | undefined;
  processes(): { name: string; pid: number | undefined; ready: boolean; restarts: number }[];
  world(): MeshWorld;
  /** `appmesh`, or the live target whose rendered files the run's proxies are configured from. */
  target(): { name: string; files?: string };
  configs(): readonly ProxyConfig[];
  /** The run's load-balancer and exec entries now, with their 127.0.0.1 URLs: what the load button may use. */
  loadEntries(): RunEntry[];
  /** Whether some proxy of this step sends X-Ray segments (ENABLE_ENVOY_XRAY_TRACING). */
  tracing(): boolean;
  stopped(): boolean;
}

interface Subscriber {
  res: ServerResponse;
  /** Per split, per cluster: the counts when this page connected (or the step last changed). */
  baseline: Map<string, Map<string, TargetCounts>>;
  since: Date;
}

const ENDPOINTS = ['GET /v1/console/events', 'POST /v1/console/load', 'GET /console/'];
/** The stats the console reads of every proxy: split counts, passthrough, membership, health checks, ejections. */
const STATS_FILTER = 'upstream_rq_(2xx|total)$|membership_(healthy|total)$|ejections_active$|health_check\\.(attempt|failure)$';
/** Access log lines the page shows (the newest, over all proxies) and reads of each proxy per tick. */
const LOG_LINES = 40;

/** A proxy of the run: a sidecar or gateway (admin), or Kong's own proxy (Kong's admin port). */
interface ProxyTarget {
  name: string;
  port: number;
  kong: boolean;
  instanceKey: string;
}

interface TailAnswer {
  total: number;
  byStatus: Record<string, number>;
  flags: Record<string, number>;
  lines: { line: string; at: number; status: number }[];
}

/** One tick's reading of every proxy. */
interface ProxyReadings {
  stats: Map<number, unknown>;
  tails: Map<number, TailAnswer>;
  errors: string[];
}
/** A load request is three short fields; anything much longer is not one. */
const MAX_BODY_BYTES = 4096;
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.map': 'application/json',
};

export class ConsoleFeed {
  private readonly subscribers = new Set<Subscriber>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  /** A refresh asked for while a tick was reading: one more tick once it is done. */
  private again = false;
  /** The load button's burst: the one running, or the last one, shown until the next. */
  private burst: LoadBurst | undefined;

  constructor(
    private readonly source: ConsoleSource,
    private readonly options: { intervalMs?: number; webRoot?: string } = {},
  ) {}

  /** Answers the console's paths; false for any other path, which the run's API answers. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    // The raw path, not URL's: URL would resolve `/console/%2e%2e/x` to `/x` and hide the attempt.
    const path = (req.url ?? '/').split('?')[0]!;
    if (path !== '/console' && !path.startsWith('/console/') && path !== '/v1/console' && !path.startsWith('/v1/console/')) return false;
    const json = (status: number, body: object, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body) + '\n');
      return true;
    };
    if (this.source.stopped()) return json(503, { error: `the run of ${this.source.walkthrough.name} is stopped` });
    if (path.startsWith('/v1/console')) {
      const method = path === '/v1/console/events' ? 'GET' : path === '/v1/console/load' ? 'POST' : undefined;
      if (!method) return json(404, { error: `no such console endpoint: ${path}`, endpoints: ENDPOINTS });
      if (req.method !== method) return json(405, { error: `${req.method} is not allowed on ${path}; use ${method}` }, { allow: method });
      try {
        this.source.world();
      } catch {
        // The API listens before the first step is applied: nothing to show yet.
        return json(503, { error: `${this.source.walkthrough.name} is still starting; try again once it is ready` });
      }
      if (method === 'POST') void this.startLoad(req, json);
      else void this.subscribe(req, res);
      return true;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(405, { error: `${req.method} is not allowed on ${path}; use GET` }, { allow: 'GET, HEAD' });
    if (path === '/console') {
      res.writeHead(301, { location: '/console/' }).end();
      return true;
    }
    void this.serveFile(path.slice('/console/'.length), req, res, json);
    return true;
  }

  /** The step changed: every page gets the new topology now, and counts start again from here. */
  changed(): void {
    if (this.subscribers.size === 0) return;
    void this.readCounts(splitSources(this.source.world(), this.source.configs())).then(({ counts }) => {
      for (const s of this.subscribers) {
        s.baseline = counts;
        s.since = new Date();
      }
      return this.tick();
    });
  }

  /**
   * A step change started or ended: pages learn it now rather than at the next tick, so their
   * step buttons are disabled while it is in flight.
   */
  refresh(): void {
    if (this.subscribers.size > 0) void this.tick();
  }

  /** The run stops: pages learn it and stop reconnecting. */
  close(): void {
    this.burst?.stop('the run stopped');
    clearInterval(this.timer);
    this.timer = undefined;
    for (const s of this.subscribers) s.res.end('event: stopped\ndata: {}\n\n');
    this.subscribers.clear();
  }

  /** `POST /v1/console/load`: checks everything before sending anything; one burst at a time. */
  private async startLoad(req: IncomingMessage, json: (status: number, body: object) => boolean): Promise<void> {
    let text = '';
    let tooLong = false;
    try {
      for await (const chunk of req as AsyncIterable<Buffer>) {
        // Read to the end even when too long: leaving early would tear the socket down before the 413.
        if (text.length <= MAX_BODY_BYTES) text += chunk.toString('utf8');
        tooLong ||= text.length > MAX_BODY_BYTES;
      }
    } catch {
      json(400, { error: 'the request body could not be read' });
      return;
    }
    if (tooLong) {
      json(413, { error: `the body is longer than ${MAX_BODY_BYTES} bytes; send {entry, count, ratePerSecond, target?}` });
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      json(400, { error: 'the body is not JSON; send {"entry": <load entry>, "count": 1..1000, "ratePerSecond": 1..100, "target": <URL, for an exec entry>}' });
      return;
    }
    if (this.source.stopped()) {
      json(503, { error: `the run of ${this.source.walkthrough.name} is stopped` });
      return;
    }
    if (this.burst?.progress.running) {
      const p = this.burst.progress;
      json(409, { error: `a burst is already running (${p.sent} of ${p.count} sent through ${p.entry}); wait for it to finish`, burst: p });
      return;
    }
    const checked = validateLoadRequest(body, this.loadEntries());
    if (!checked.ok) {
      json(400, { error: checked.error });
      return;
    }
    this.burst = new LoadBurst(checked.request, checked.url, () => this.refresh());
    json(202, { burst: this.burst.progress });
    this.refresh();
  }

  private async subscribe(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write('retry: 2000\n\n');
    const { counts } = await this.readCounts(splitSources(this.source.world(), this.source.configs()));
    if (res.destroyed) return;
    const subscriber: Subscriber = { res, baseline: counts, since: new Date() };
    this.subscribers.add(subscriber);
    req.on('close', () => {
      this.subscribers.delete(subscriber);
      if (this.subscribers.size === 0) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    });
    this.timer ??= setInterval(() => void this.tick(), this.options.intervalMs ?? 1000);
    await this.tick(subscriber);
  }

  /** One read of the proxies for every page; a tick asked for while one is reading runs once it is done. */
  private async tick(only?: Subscriber): Promise<void> {
    if (!only) {
      if (this.ticking) {
        this.again = true;
        return;
      }
      this.ticking = true;
    }
    try {
      const world = this.source.world();
      const configs = this.source.configs();
      const sources = splitSources(world, configs);
      const proxies = proxiesOf(world);
      const readings = await this.readProxies(proxies);
      const counts = countsOf(sources, readings);
      const base = {
        walkthrough: { name: this.source.walkthrough.name, title: this.source.walkthrough.title },
        target: this.source.target(),
        step: this.stepInfo(),
        steps: this.source.walkthrough.steps.map((s) => ({ name: s.name, title: s.title })),
        ...(this.source.applying() !== undefined ? { applying: this.source.applying()! } : {}),
        processes: this.source.processes().map((p) => ({ name: p.name, ready: p.ready, restarts: p.restarts, ...(p.pid !== undefined ? { pid: p.pid } : {}) })),
        topology: this.observed(topologyOf(this.source.walkthrough, world, configs), world, proxies, readings),
        load: { entries: this.loadEntries(), ...(this.burst ? { burst: this.burst.progress } : {}) },
        tracing: this.source.tracing(),
        statsErrors: readings.errors,
        kong: proxies.flatMap((p): KongCounters[] => {
          const tail = readings.tails.get(p.port);
          return p.kong && tail ? [{ proxy: p.name, byStatus: tail.byStatus, total: tail.total }] : [];
        }),
        accessLog: mergeAccessLogs(
          proxies.map((p): AccessLogLine[] => (readings.tails.get(p.port)?.lines ?? []).map((l) => ({ proxy: p.name, line: l.line, at: l.at, status: l.status }))),
          LOG_LINES,
        ),
        at: new Date().toISOString(),
      };
      for (const s of only ? [only] : [...this.subscribers]) {
        const splits: RouteSplit[] = sources.map((source) => {
          // A route new since this page connected starts counting now.
          if (!s.baseline.has(source.id)) s.baseline.set(source.id, counts.get(source.id) ?? new Map());
          const from = s.baseline.get(source.id)!;
          const now = counts.get(source.id) ?? new Map<string, TargetCounts>();
          return {
            id: source.id,
            label: source.label,
            clients: source.clients.map((c) => c.name),
            targets: source.targets.map((t) => ({ ...t, observed: countsSince(from.get(t.cluster), now.get(t.cluster)) })),
          };
        });
        const snapshot: ConsoleSnapshot = { ...base, splits, countingSince: s.since.toISOString() };
        if (!s.res.destroyed) s.res.write(`event: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`);
      }
    } catch (error) {
      for (const s of only ? [only] : [...this.subscribers]) {
        if (!s.res.destroyed) s.res.write(`event: failure\ndata: ${JSON.stringify({ error: error instanceof Error ? error.message : String(error) })}\n\n`);
      }
    } finally {
      if (!only) {
        this.ticking = false;
        if (this.again && this.subscribers.size > 0) {
          this.again = false;
          void this.tick();
        }
      }
    }
  }

  /** The load entries on offer now: exec entries with the virtual-service URLs their sidecar routes. */
  private loadEntries(): LoadEntry[] {
    return loadEntriesOf(this.source.walkthrough, this.source.world(), this.source.configs(), this.source.loadEntries());
  }

  /** The configured topology with what the proxies report: each node's health, each sidecar's undeclared calls. */
  private observed(topology: Topology, world: MeshWorld, proxies: readonly ProxyTarget[], readings: ProxyReadings): Topology {
    const processes = this.source.processes();
    const prefix = `${this.source.walkthrough.name}/`;
    const processesOf = (label: string) => processes.filter((p) => p.name === `${prefix}${label}` || p.name.startsWith(`${prefix}${label}/`));
    const health = new Map<string, ConsoleSnapshot['topology']['nodes'][number]['health']>();
    const perProxy = new Map([...readings.stats].map(([port, body]) => [port, parseClusterHealth(body)]));
    for (const vn of world.all('VirtualNode')) {
      const listener = vn.object.spec.listeners?.[0];
      const instances = world.instancesOf(vn);
      const ready = instances.length === 0 ? undefined : instances.every((i) => processesOf(instanceLabel(i)).every((p) => p.ready));
      const cluster = listener ? nodeClusterName(world, vn, listener) : undefined;
      const callers = cluster ? [...perProxy.values()].flatMap((m): ClusterHealth[] => (m.has(cluster) ? [m.get(cluster)!] : [])) : [];
      health.set(`node:${vn.cluster}/${vn.object.metadata.namespace ?? ''}/${vn.object.metadata.name}`, virtualNodeHealth(callers, ready));
    }
    const undeclared = new Map<string, { passedThrough: number; refused: number }>();
    for (const p of proxies) {
      if (p.kong) continue;
      const passedThrough = statValue(readings.stats.get(p.port), 'cluster.PassthroughCluster.upstream_rq_total');
      const refused = readings.tails.get(p.port)?.flags.NR ?? 0;
      if (passedThrough > 0 || refused > 0) undeclared.set(`instance:${p.instanceKey}`, { passedThrough, refused });
    }
    const byKey = new Map(world.instances.map((i) => [`instance:${i.key}`, i]));
    return {
      ...topology,
      nodes: topology.nodes.map((node) => {
        const instance = byKey.get(node.id);
        const nodeHealth = instance ? instanceHealth(processesOf(instanceLabel(instance))) : health.get(node.id);
        const calls = undeclared.get(node.id);
        return { ...node, ...(nodeHealth ? { health: nodeHealth } : {}), ...(calls ? { undeclared: calls } : {}) };
      }),
    };
  }

  private stepInfo(): ConsoleSnapshot['step'] {
    const step = this.source.walkthrough.steps.find((s) => s.name === this.source.step())!;
    return { name: step.name, title: step.title, summary: step.summary };
  }

  /** Each split's counts now, from the client proxies' stats: the baseline a page counts from. */
  private async readCounts(sources: SplitSource[]): Promise<{ counts: Map<string, Map<string, TargetCounts>> }> {
    const ports = new Map<number, ProxyTarget>();
    for (const source of sources) for (const c of source.clients) ports.set(c.adminPort, { name: c.name, port: c.adminPort, kong: false, instanceKey: '' });
    const readings = await this.readProxies([...ports.values()], false);
    return { counts: countsOf(sources, readings) };
  }

  /** Every proxy's stats (and, for the page, its access-log tail) once, in parallel; a proxy that does not answer is named in `errors`. */
  private async readProxies(proxies: readonly ProxyTarget[], tails = true): Promise<ProxyReadings> {
    const readings: ProxyReadings = { stats: new Map(), tails: new Map(), errors: [] };
    const get = async (port: number, path: string): Promise<unknown> => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(900) });
      if (!res.ok) throw new Error(`admin answered ${res.status} to ${path.split('?')[0]}`);
      return res.json();
    };
    await Promise.all(
      proxies.map(async (p) => {
        try {
          const [stats, tail] = await Promise.all([
            get(p.port, `/stats?format=json&filter=${encodeURIComponent(STATS_FILTER)}`),
            tails ? (get(p.port, `/access_log?limit=${LOG_LINES}`) as Promise<TailAnswer>) : undefined,
          ]);
          readings.stats.set(p.port, stats);
          if (tail) readings.tails.set(p.port, tail);
        } catch (error) {
          readings.errors.push(`${p.name}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }),
    );
    readings.errors.sort();
    return readings;
  }

  private async serveFile(rel: string, req: IncomingMessage, res: ServerResponse, json: (status: number, body: object) => boolean): Promise<void> {
    let decoded: string;
    try {
      decoded = decodeURIComponent(rel);
    } catch {
      json(400, { error: 'the path is not valid percent-encoding', path: `/console/${rel}` });
      return;
    }
    if (decoded.includes('\0') || decoded.split(/[\\/]/).includes('..')) {
      json(400, { error: "path traversal ('..') and NUL bytes are not allowed", path: `/console/${rel}` });
      return;
    }
    if (decoded.split('/').some((part) => part.startsWith('.'))) {
      json(404, { error: 'not found', path: `/console/${rel}` });
      return;
    }
    const root = resolve(this.options.webRoot ?? builtPage);
    const file = resolve(join(root, decoded === '' ? 'index.html' : decoded));
    if (file !== root && !file.startsWith(root + sep)) {
      json(400, { error: 'the path leaves the console folder', path: `/console/${rel}` });
      return;
    }
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) {
      const built = await stat(join(root, 'index.html')).catch(() => undefined);
      if (!built) json(503, { error: 'the mesh console is not built: run `pnpm build` (or `pnpm --filter @amw/mesh-console build`)' });
      else json(404, { error: 'not found', path: `/console/${rel}` });
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': info.size,
      'x-content-type-options': 'nosniff',
      // Vite's hashed assets never change under a name; the page itself must be fetched anew.
      'cache-control': decoded.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  }
}

/** Every proxy the run has now: each instance's sidecar or gateway, and Kong's own proxy. */
function proxiesOf(world: MeshWorld): ProxyTarget[] {
  return world.instances.flatMap((i) => [
    ...(i.ports.admin !== undefined ? [{ name: instanceLabel(i), port: i.ports.admin, kong: false, instanceKey: i.key }] : []),
    ...(i.ports.kongAdmin !== undefined ? [{ name: `${instanceLabel(i)}/kong`, port: i.ports.kongAdmin, kong: true, instanceKey: i.key }] : []),
  ]);
}

/** Per split, per cluster: its client proxies' counts added up. */
function countsOf(sources: readonly SplitSource[], readings: ProxyReadings): Map<string, Map<string, TargetCounts>> {
  const perPort = new Map<number, Map<string, TargetCounts>>();
  for (const [port, body] of readings.stats) perPort.set(port, parseClusterCounts(body));
  return new Map(sources.map((source) => [source.id, sumCounts(source.clients.map((c) => perPort.get(c.adminPort) ?? new Map()))]));
}
