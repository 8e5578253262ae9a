/**
 * One walkthrough running on this machine. It reconciles like a cluster does: the walkthrough's
 * state at a step says which instances should run and what the mesh looks like; the run starts
 * and stops processes to match, registers instances in the local Cloud Map, and streams every
 * proxy its new configuration — so moving to another step changes the running mesh without a
 * restart, as `kubectl apply` would.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { LOCAL_ENTRY_PORTS, stateAt, stepIndex, targetRoot, type CertificateAuthority, type ClusterState, type Walkthrough } from '@amw/mesh-manifests';
import type { AppRegistry } from '@amw/dev-stack/apps';
import { processAlive, supervise, type ProcessGroup, type SupervisorEvent } from '@amw/dev-stack/supervisor';
import { ConsoleFeed } from '../console/feed.js';
import { CloudMapRegistry } from '../control-plane/cloud-map.js';
import { Resolver } from '../control-plane/resolve.js';
import { ConfigStreamServer } from '../control-plane/stream.js';
import { MeshWorld, virtualServiceKey, type Endpoint, type Instance } from '../control-plane/world.js';
import { resolveIstio } from '../targets/istio.js';
import { IstioMeshCa, type IstioMeshCertificates } from '../targets/istio-mtls.js';
import { resolveLattice } from '../targets/lattice.js';
import { readRenderedTarget, type LocalTarget } from '../targets/rendered-files.js';
import { plannedTargetInstances, TargetWorld } from '../targets/target-world.js';
import { ourApps } from '../our-apps.js';
import type { ProxyConfig } from '../proxy/config.js';
import { CertificateStore } from '../tls/cert-store.js';
import { entryUrls, type EntryUrls } from './entries.js';
import { PortAllocator, assignPorts, plannedInstances, tcpBackendsOf } from './instances.js';
import { processName, processSpecs, type LaunchContext } from './launch.js';
import { StatsdAgent } from './statsd-agent.js';
import { XrayDaemon } from './xray-daemon.js';

export interface BackingUrls {
  /** Server URL (Postgres: its maintenance database). */
  postgres?: string;
  redis?: string;
}

export interface RunOptions {
  walkthrough: Walkthrough;
  /** Step to start at; default: the last one (everything applied). */
  step?: string;
  repoRoot: string;
  /** The apps it can run; default: the ones this package depends on. */
  apps?: AppRegistry;
  /** Where run files, certificates and the like live (`.local-mesh` at the repo root). */
  stateDir: string;
  /** Entries at base + their index, other ports from base + 10 (stable URLs); absent: any free ports. */
  portBase?: number;
  backing: BackingUrls;
  databaseName: string;
  redisDb: number;
  onEvent?: (event: RunEvent) => void;
  /** Supervisor events (process output, readiness) as they happen. */
  onProcessEvent?: (event: SupervisorEvent) => void;
  /** Where the apps and the proxies' listeners bind: 127.0.0.1 (the default), or every interface when asked. */
  bindAddress?: string;
  /**
   * Run the walkthrough from its rendered files for a live target (Istio, Lattice) instead of
   * its App Mesh objects: the mesh is what those files say, resolved with the target's rules.
   */
  target?: LocalTarget;
  /** Where the target's rendered folders (`k8s/…`) are read from; default `repoRoot`. */
  renderedRoot?: string;
}

/**
 * A crashed app or sidecar starts again, as a pod's container would (or ECS would replace the
 * task): after 1 s, doubling to 30 s while it keeps crashing.
 */
export const RESTART_POLICY = { initialDelayMs: 1000, maxDelayMs: 30_000, resetAfterMs: 60_000 };

/** Another run of the same walkthrough holds its lock: one run per walkthrough. */
export class RunLockedError extends Error {
  constructor(
    readonly walkthrough: string,
    readonly pid: number,
  ) {
    super(`${walkthrough} is already running or starting (pid ${pid}); stop it with Ctrl-C there, or use \`pnpm walkthrough step ${walkthrough} <step>\``);
    this.name = 'RunLockedError';
  }
}

/** A step change refused because another is still being applied. */
export class StepInFlightError extends Error {
  constructor(readonly step: string) {
    super(`a change to step "${step}" is still being applied; try again once it is done`);
    this.name = 'StepInFlightError';
  }
}

/** What `walkthrough status` shows of each process a run started. */
export interface ProcessState {
  name: string;
  pid: number | undefined;
  ready: boolean;
  restarts: number;
  lastExit?: { code: number | null; signal: string | null };
}

/**
 * The run's API changes the mesh and sends load, and a learner's browser visits other sites
 * while it runs: a page elsewhere must not be able to drive it. A browser names the site a
 * request comes from (Origin) on every POST, and a site that rebinds its DNS name to 127.0.0.1
 * still sends its own name as Host; the CLI and the console's own page send neither problem.
 */
function foreignRequest(req: IncomingMessage): string | undefined {
  const host = req.headers.host ?? '';
  if (!/^(127\.0\.0\.1|localhost|\[::1\]):\d+$/.test(host)) {
    return `the run answers requests for 127.0.0.1 or localhost only, not for Host ${JSON.stringify(host.slice(0, 80))}`;
  }
  const origin = req.headers.origin;
  if (origin !== undefined && req.method !== 'GET' && req.method !== 'HEAD' && origin !== `http://${host}`) {
    return `requests from ${JSON.stringify(origin.slice(0, 80))} may not change this run; use its own console or \`pnpm walkthrough\``;
  }
  return undefined;
}

export type RunEvent =
  | { type: 'step'; walkthrough: string; step: string; starting: number; stopping: number }
  | { type: 'step-failed'; walkthrough: string; step: string; reason: string; restoredStep: string }
  | { type: 'instance-ready'; walkthrough: string; name: string; elapsedMs: number }
  | { type: 'configured'; walkthrough: string; proxies: number; version: string };

function endpointOf(url: string | undefined, defaultPort: number): Endpoint | undefined {
  if (!url) return undefined;
  const parsed = new URL(url);
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port: Number(parsed.port || defaultPort) };
}

/**
 * On Lattice the gateway a load balancer fronted is gone: the guides call the Lattice services
 * from a client pod instead. Each curl pod is offered as an entry of its own name (a proxy, like
 * an `exec` entry), unless the walkthrough already has an entry by that name.
 */
function vpcClients(instances: Instance[]): Record<string, string> {
  return Object.fromEntries(
    instances.filter((i) => i.workload.spec.component === 'curl' && i.ports.egress !== undefined).map((i) => [i.workload.metadata.name, `http://127.0.0.1:${i.ports.egress}`]),
  );
}

function sameWorkload(a: Instance, b: Instance): boolean {
  return JSON.stringify(a.workload) === JSON.stringify(b.workload);
}

export class WalkthroughRun {
  readonly cloudMap = new CloudMapRegistry();
  readonly xray = new XrayDaemon();
  readonly statsdAgent = new StatsdAgent();
  /** What callers of the apps' control ports (ColorTeller's faults) must send as a bearer token; new every run, never printed. */
  readonly controlToken = randomBytes(32).toString('base64url');
  private readonly stream: ConfigStreamServer;
  private readonly ports: PortAllocator;
  private readonly apps: AppRegistry;
  private instances = new Map<string, Instance>();
  private groups = new Map<string, ProcessGroup>();
  private version = 0;
  private certs: CertificateStore | undefined;
  /** Istio target: the run's mesh CA (istiod's part) and the workload certificates of the current step. */
  private istioCa: IstioMeshCa | undefined;
  private istioCerts: IstioMeshCertificates | undefined;
  private world: MeshWorld | undefined;
  /** On a live target: the rendered objects at the current step, which the proxies' configuration comes from. */
  private targetWorld: TargetWorld | undefined;
  private clusters: ClusterState[] = [];
  private stepName: string;
  private applying: Promise<void> = Promise.resolve();
  /** The step being applied now, while a change is in flight. */
  private pendingStep: string | undefined;
  private stopped = false;
  private locked = false;
  /** What the control plane published last, one per proxy: the console reads routes from it. */
  private published: ProxyConfig[] = [];
  private readonly console: ConsoleFeed;

  private constructor(private readonly options: RunOptions) {
    this.ports = new PortAllocator(
      options.portBase === undefined ? undefined : options.portBase + LOCAL_ENTRY_PORTS,
      options.portBase,
      options.bindAddress,
    );
    this.stepName = options.step ?? options.walkthrough.steps.at(-1)!.name;
    this.apps = options.apps ?? ourApps();
    this.stream = new ConfigStreamServer((req, res) => this.api(req, res));
    this.console = new ConsoleFeed({
      walkthrough: options.walkthrough,
      step: () => this.stepName,
      applying: () => this.pendingStep,
      processes: () => this.processStates(),
      world: () => this.currentWorld(),
      target: () => (this.options.target ? { name: this.options.target, files: targetRoot(options.walkthrough, this.options.target) } : { name: 'appmesh' }),
      configs: () => this.published,
      loadEntries: () => this.loadEntries(),
      tracing: () => this.currentWorld().instances.some((i) => i.workload.spec.proxyEnv?.ENABLE_ENVOY_XRAY_TRACING === '1'),
      stopped: () => this.stopped,
    });
  }

  static async start(options: RunOptions): Promise<WalkthroughRun> {
    const run = new WalkthroughRun(options);
    stepIndex(options.walkthrough, run.stepName);
    await run.lock();
    try {
      await run.stream.listen();
      await run.xray.listen();
      await run.statsdAgent.listen();
      await run.reconcile(run.stepName);
      await run.writeRunFile();
    } catch (error) {
      await run.stop();
      throw error;
    }
    return run;
  }

  get walkthrough(): Walkthrough {
    return this.options.walkthrough;
  }

  get step(): string {
    return this.stepName;
  }

  get controlPlaneUrl(): string {
    return this.stream.url;
  }

  get runFile(): string {
    return join(this.options.stateDir, 'run', `${this.walkthrough.name}.json`);
  }

  get urls(): EntryUrls {
    const urls = entryUrls(this.walkthrough, this.currentWorld(), [...this.instances.values()]);
    if (this.options.target === 'lattice') Object.assign(urls.entries, { ...vpcClients([...this.instances.values()]), ...urls.entries });
    return urls;
  }

  /** On Lattice, the entries that are client pods calling the Lattice services by name (proxies, like `exec` entries). */
  get clientEntries(): string[] {
    return this.options.target === 'lattice' ? Object.keys(vpcClients([...this.instances.values()])) : [];
  }

  /** What `pnpm walkthrough up` prints once everything is ready, and scripts read. */
  readyLine(): { walkthrough: string; target: string; step: string; entries: Record<string, string>; clients?: string[]; admin: Record<string, string>; console: string } {
    const { entries, admin } = this.urls;
    const clients = this.clientEntries;
    return { walkthrough: this.walkthrough.name, target: this.target, step: this.stepName, entries, ...(clients.length ? { clients } : {}), admin, console: this.consoleUrl };
  }

  /** What the run's mesh is read from: `appmesh` (the definition), or a live target's rendered files. */
  get target(): 'appmesh' | LocalTarget {
    return this.options.target ?? 'appmesh';
  }

  /** The mesh console of this run: served by the run's API server, on loopback only. */
  /** The step a change is moving the run to, while one is in flight. */
  get applyingStep(): string | undefined {
    return this.pendingStep;
  }

  get consoleUrl(): string {
    return `${this.stream.url}/console/`;
  }

  /**
   * The entries the console's load button may use, with their local URLs: load balancers (a GET
   * of `/`) and `exec` entries (the pod's sidecar as an HTTP proxy; the console adds the
   * virtual-service URLs it may be asked for). Envoy admin entries are not for load.
   */
  private loadEntries(): { name: string; url: string; kind: 'load-balancer' | 'exec' }[] {
    const urls = this.urls.entries;
    return this.walkthrough.entries.flatMap((e) => (e.kind !== 'envoy-admin' && urls[e.name] !== undefined ? [{ name: e.name, url: urls[e.name]!, kind: e.kind }] : []));
  }

  instanceList(): Instance[] {
    return [...this.instances.values()];
  }

  get lockFile(): string {
    return join(this.options.stateDir, 'run', `${this.walkthrough.name}.lock`);
  }

  /**
   * Two `up`s of one walkthrough at once would fight for its ports and its run file: the first
   * to create the lock file (O_EXCL) runs; a lock whose process is gone is taken over.
   */
  private async lock(): Promise<void> {
    await mkdir(join(this.options.stateDir, 'run'), { recursive: true });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const handle = await open(this.lockFile, 'wx');
        await handle.writeFile(`${process.pid}\n`);
        await handle.close();
        this.locked = true;
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = Number((await readFile(this.lockFile, 'utf8').catch(() => '')).trim());
        if (Number.isInteger(holder) && holder > 0 && processAlive(holder)) throw new RunLockedError(this.walkthrough.name, holder);
        await rm(this.lockFile, { force: true });
      }
    }
    throw new Error(`could not take ${this.lockFile}; remove it if no run of ${this.walkthrough.name} is alive`);
  }

  /** Every process of the run, with how often each was started again after a crash. */
  processStates(): ProcessState[] {
    return [...this.groups.values()].flatMap((group) =>
      group.processes.map((p) => ({
        name: p.name,
        pid: p.pid,
        ready: p.ready,
        restarts: p.restarts,
        ...(p.lastExit ? { lastExit: { code: p.lastExit.code, signal: p.lastExit.signal } } : {}),
      })),
    );
  }

  /**
   * Moves the running mesh to another step (forwards or back), like `kubectl apply` of that
   * state, all or nothing: if the step cannot be brought up, the run goes back to the step it was
   * at and the error says so. One change at a time; another while one is in flight is refused.
   */
  applyStep(step: string): Promise<void> {
    stepIndex(this.walkthrough, step);
    if (this.pendingStep !== undefined) return Promise.reject(new StepInFlightError(this.pendingStep));
    const from = this.stepName;
    this.pendingStep = step;
    this.console.refresh();
    const next = this.applying
      .then(() => this.reconcile(step))
      .catch(async (error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        if (this.stopped || from === step) throw error;
        try {
          await this.reconcile(from);
        } catch (restoreError) {
          throw new Error(`step "${step}" failed (${reason}), and going back to step "${from}" failed too: ${restoreError instanceof Error ? restoreError.message : String(restoreError)}`);
        }
        this.options.onEvent?.({ type: 'step-failed', walkthrough: this.walkthrough.name, step, reason, restoredStep: from });
        throw new Error(`step "${step}" failed (${reason}); the run is back at step "${from}"`);
      })
      .finally(() => {
        this.pendingStep = undefined;
        this.console.refresh();
      });
    this.applying = next.catch(() => {});
    return next;
  }

  private currentWorld(): MeshWorld {
    if (!this.world) throw new Error('the run has not started');
    return this.world;
  }

  private context(): LaunchContext {
    return {
      repoRoot: this.options.repoRoot,
      apps: this.apps,
      controlPlaneUrl: this.stream.url,
      ...(this.options.backing.postgres ? { postgresUrl: this.options.backing.postgres } : {}),
      ...(this.options.backing.redis ? { redisUrl: this.options.backing.redis } : {}),
      databaseName: this.options.databaseName,
      redisDb: this.options.redisDb,
      xrayDaemon: this.xray.address,
      label: this.walkthrough.name,
      bindAddress: this.options.bindAddress ?? '127.0.0.1',
      controlToken: this.controlToken,
    };
  }

  private async reconcile(step: string): Promise<void> {
    if (this.stopped) throw new Error('the run is stopped');
    const walkthrough = this.walkthrough;
    this.clusters = stateAt(walkthrough, step);
    const backing = {
      ...(endpointOf(this.options.backing.postgres, 5432) ? { postgres: endpointOf(this.options.backing.postgres, 5432)! } : {}),
      ...(endpointOf(this.options.backing.redis, 6379) ? { redis: endpointOf(this.options.backing.redis, 6379)! } : {}),
    };
    const target = this.options.target;
    // A live target's files say which pods run (with their labels and environment); the App Mesh
    // objects of the step still give the apps' launch facts and the entries' ports.
    const rendered = target ? readRenderedTarget(this.options.renderedRoot ?? this.options.repoRoot, walkthrough, target, step) : undefined;
    const planned = rendered ? plannedTargetInstances(walkthrough, target!, this.clusters, rendered, backing) : plannedInstances(walkthrough, this.clusters, backing);
    const world = new MeshWorld(walkthrough, this.clusters, planned, this.cloudMap);
    await assignPorts(world, planned, this.instances, this.ports, this.apps);
    const targetWorld = rendered
      ? new TargetWorld(target!, walkthrough, rendered, planned, (instance) =>
          tcpBackendsOf(world, instance).flatMap((vs) => {
            const port = instance.ports.tcpEgress[virtualServiceKey(vs)];
            return port === undefined ? [] : [{ port, host: world.awsName(vs.object) }];
          }),
        )
      : undefined;

    const authorities = this.clusters.flatMap((c) => c.resources.filter((r): r is CertificateAuthority => r.kind === 'CertificateAuthority'));
    this.certs ??= await CertificateStore.prepare(authorities, join(this.options.stateDir, 'certs', walkthrough.name));
    // Issued before anything changes, so a failure leaves the running step as it was.
    if (targetWorld?.target === 'istio') {
      this.istioCa ??= new IstioMeshCa(join(this.options.stateDir, 'certs', walkthrough.name, 'istio-ca'));
      this.istioCerts = await this.istioCa.certificatesFor(targetWorld);
    }

    const starting = planned.filter((i) => !this.instances.has(i.key) || !sameWorkload(this.instances.get(i.key)!, i));
    const stopping = [...this.instances.values()].filter((old) => {
      const now = planned.find((i) => i.key === old.key);
      return !now || !sameWorkload(old, now);
    });
    this.options.onEvent?.({ type: 'step', walkthrough: walkthrough.name, step, starting: starting.length, stopping: stopping.length });

    // Stop first what goes away or changes (a Deployment rolled to a new spec).
    await Promise.all(stopping.map((i) => this.stopInstance(i.key)));
    this.instances = new Map(planned.map((i) => [i.key, i]));
    this.world = world;
    this.targetWorld = targetWorld;
    this.stepName = step;
    if (!targetWorld) this.registerInCloudMap(world, planned);
    const version = this.publish(world);
    await this.startAll(world, starting);
    await this.waitForRollout(version);
    await this.writeRunFile();
    this.console.changed();
  }

  /** Like `kubectl rollout status`: returns once every proxy runs the configuration just pushed. */
  private async waitForRollout(version: string, timeoutMs = 15_000): Promise<void> {
    const admins = [...this.instances.values()].flatMap((i) => [i.ports.admin, i.ports.kongAdmin]).filter((p): p is number => p !== undefined);
    const deadline = Date.now() + timeoutMs;
    const lagging = new Set(admins);
    while (lagging.size > 0) {
      await Promise.all(
        [...lagging].map(async (port) => {
          try {
            const res = await fetch(`http://127.0.0.1:${port}/server_info`);
            const info = (await res.json()) as { config_version?: string | null };
            if (info.config_version === version) lagging.delete(port);
          } catch {
            // Not answering yet: try again.
          }
        }),
      );
      if (lagging.size === 0) return;
      if (Date.now() > deadline) throw new Error(`proxies on admin ports ${[...lagging].join(', ')} did not apply configuration v${version} within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The App Mesh controller's part: Cloud Map services of `awsCloudMap` nodes, and their pods. */
  private registerInCloudMap(world: MeshWorld, instances: Instance[]): void {
    for (const { object: ns } of world.all('CloudMapNamespace')) {
      this.cloudMap.createNamespace(ns.metadata.name, ns.spec.type === 'http' ? 'HTTP' : 'DNS_PRIVATE');
      for (const svc of ns.spec.services ?? []) this.cloudMap.createService(ns.metadata.name, svc.name);
    }
    for (const snapshot of this.cloudMap.snapshot()) {
      for (const instance of snapshot.instances) this.cloudMap.deregisterInstance(snapshot.namespace, snapshot.service, instance.instanceId);
    }
    for (const instance of instances) {
      if (instance.identity?.kind !== 'VirtualNode' || instance.ports.ingress === undefined) continue;
      const node = world.get('VirtualNode', instance.cluster, instance.identity.namespace, instance.identity.name);
      const sd = node?.object.spec.serviceDiscovery?.awsCloudMap;
      if (!sd) continue;
      this.cloudMap.createNamespace(sd.namespaceName, 'HTTP');
      this.cloudMap.createService(sd.namespaceName, sd.serviceName);
      this.cloudMap.registerInstance(sd.namespaceName, sd.serviceName, instance.podName, {
        ...instance.workload.spec.podLabels,
        AWS_INSTANCE_IPV4: '127.0.0.1',
        AWS_INSTANCE_PORT: String(instance.ports.ingress),
        'k8s.io/pod': instance.podName,
        ...(instance.namespace ? { 'k8s.io/namespace': instance.namespace } : {}),
      });
    }
  }

  private publish(world: MeshWorld): string {
    const version = String(++this.version);
    const options = { version, certs: this.certs!, xrayDaemon: this.xray.address, statsdAgent: this.statsdAgent.address, listenAddress: this.options.bindAddress ?? '127.0.0.1' };
    const target = this.targetWorld;
    const configs = !target ? new Resolver(world, options).all() : target.target === 'istio' ? resolveIstio(target, { ...options, mesh: this.istioCerts! }) : resolveLattice(target, { ...options, repoRoot: this.options.renderedRoot ?? this.options.repoRoot });
    for (const config of configs) this.stream.publish(config);
    this.published = configs;
    this.options.onEvent?.({ type: 'configured', walkthrough: this.walkthrough.name, proxies: configs.length, version });
    return version;
  }

  private async startAll(world: MeshWorld, instances: Instance[]): Promise<void> {
    // Databases' proxies first: an appserver that finds yelb-db's port open at start-up creates its
    // schema at once instead of retrying in the background while a learner already calls it.
    const backing = (i: Instance) => i.workload.spec.component === 'postgres' || i.workload.spec.component === 'redis';
    await this.startBatch(world, instances.filter(backing));
    await this.startBatch(world, instances.filter((i) => !backing(i)));
  }

  private async startBatch(world: MeshWorld, instances: Instance[]): Promise<void> {
    // A few at a time: a 2-core machine starting twenty Node processes at once helps nobody.
    const queue = [...instances];
    const context = this.context();
    const worker = async () => {
      for (let instance = queue.shift(); instance; instance = queue.shift()) {
        const specs = processSpecs(world, instance, context);
        if (specs.length === 0) continue;
        const started = Date.now();
        const group = await supervise(specs, {
          ...(this.options.onProcessEvent ? { onEvent: this.options.onProcessEvent } : {}),
          readyTimeoutMs: 60_000,
          onChildExit: 'keep',
          restart: RESTART_POLICY,
        });
        this.groups.set(instance.key, group);
        this.options.onEvent?.({ type: 'instance-ready', walkthrough: this.walkthrough.name, name: processName(context, instance), elapsedMs: Date.now() - started });
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
  }

  private async stopInstance(key: string): Promise<void> {
    const group = this.groups.get(key);
    this.groups.delete(key);
    await group?.stop('the step removes or changes this workload');
  }

  private async writeRunFile(): Promise<void> {
    await mkdir(join(this.options.stateDir, 'run'), { recursive: true });
    await writeFile(this.runFile, JSON.stringify({ pid: process.pid, controlPlane: this.stream.url, ...this.readyLine() }, null, 2) + '\n');
  }

  /** The run's own API, next to the configuration streams: state, steps, traces, metrics, Cloud Map. */
  private api(req: IncomingMessage, res: ServerResponse): boolean {
    const refusal = foreignRequest(req);
    if (refusal) {
      res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ error: refusal }) + '\n');
      return true;
    }
    if (this.console.handle(req, res)) return true;
    const url = new URL(req.url ?? '/', 'http://run');
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body, null, 2) + '\n');
      return true;
    };
    if (req.method === 'GET' && url.pathname === '/v1/state') {
      return json(200, {
        ...this.readyLine(),
        steps: this.walkthrough.steps.map((s) => s.name),
        ...(this.pendingStep !== undefined ? { applying: this.pendingStep } : {}),
        processes: this.processStates(),
      });
    }
    if (req.method === 'GET' && url.pathname === '/v1/cloudmap') return json(200, this.cloudMap.snapshot());
    if (req.method === 'GET' && url.pathname === '/v1/metrics') return json(200, this.statsdAgent.snapshot(url.searchParams.get('prefix') ?? ''));
    if (req.method === 'GET' && url.pathname === '/v1/traces') return json(200, this.xray.recent(Number(url.searchParams.get('limit') ?? 20)));
    const trace = /^\/v1\/traces\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && trace) return json(200, this.xray.trace(decodeURIComponent(trace[1]!)));
    const step = /^\/v1\/steps\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'POST' && step) {
      const name = decodeURIComponent(step[1]!);
      if (!this.walkthrough.steps.some((s) => s.name === name)) {
        return json(404, { error: `walkthrough ${this.walkthrough.name} has no step "${name}"`, steps: this.walkthrough.steps.map((s) => s.name) });
      }
      this.applyStep(name).then(
        () => json(200, this.readyLine()),
        (error: unknown) =>
          json(error instanceof StepInFlightError ? 409 : 500, { error: error instanceof Error ? error.message : String(error), step: this.stepName }),
      );
      return true;
    }
    return false;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.console.close();
    await Promise.all([...this.groups.keys()].map((key) => this.stopInstance(key)));
    await this.stream.close();
    this.xray.close();
    this.statsdAgent.close();
    await rm(this.runFile, { force: true });
    if (this.locked) await rm(this.lockFile, { force: true });
  }
}
