/**
 * The mesh behaviours the six walkthroughs configure but never show failing — retries, timeouts,
 * active health checks, outlier detection, connection pools, the egress filter — proven end to end
 * on a small walkthrough of our own. With App Mesh's APIs gone, the local mesh is the only place a
 * learner can watch them act, so each must answer as Envoy would. ColorTellers have faults
 * switched on through their control port, a client calls them through its sidecar, and the real
 * proxies sit in between.
 */
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { dirname } from 'node:path';
import { findRepoRoot } from '@amw/dev-stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  mesh,
  meshNamespace,
  ms,
  pingHealthCheck,
  seconds,
  service,
  virtualNode,
  virtualRouter,
  virtualService,
  weightedTargets,
  workload,
  type Resource,
  type VirtualNodeListener,
  type Walkthrough,
} from '@amw/mesh-manifests';
import { instanceLabel, type Instance } from '../../src/control-plane/world.js';
import { RunLockedError, WalkthroughRun, type ProcessState } from '../../src/orchestrator/run.js';
import { startWalkthrough, type Started } from './harness.js';

const NS = 'resilience';
const MESH = 'resilience-mesh';
const fqdn = (name: string) => `${name}.${NS}.svc.cluster.local`;

/** A ColorTeller node (`replicas` pods), its Service, and a virtual service in front of it. */
function node(name: string, options: { replicas?: number; listener?: Partial<VirtualNodeListener>; router?: Resource } = {}): Resource[] {
  const labels = { app: name };
  return [
    workload(NS, name, {
      component: 'colorteller',
      replicas: options.replicas ?? 1,
      podLabels: labels,
      ports: [{ name: 'http', port: 8080 }],
      env: { COLOR: name },
    }),
    service(NS, name, { selector: labels, ports: [{ name: 'http', port: 8080, targetPort: 'http' }] }),
    virtualNode(NS, name, {
      podSelector: { matchLabels: labels },
      listeners: [{ portMapping: { port: 8080, protocol: 'http' }, ...options.listener }],
      serviceDiscovery: { dns: { hostname: fqdn(name) } },
    }),
  ];
}

function routed(vs: string, target: string, route: Record<string, unknown>): Resource[] {
  return [
    virtualRouter(NS, `${vs}-router`, {
      listeners: [{ portMapping: { port: 8080, protocol: 'http' } }],
      routes: [{ name: `${vs}-route`, httpRoute: { match: { prefix: '/' }, action: { weightedTargets: weightedTargets({ [target]: 1 }) }, ...route } }],
    }),
    virtualService(NS, vs, { awsName: fqdn(vs), provider: { virtualRouter: { virtualRouterRef: { name: `${vs}-router` } } } }),
  ];
}

const direct = (vs: string, target: string) => virtualService(NS, vs, { awsName: fqdn(vs), provider: { virtualNode: { virtualNodeRef: { name: target } } } });

const backends = ['flaky-plain', 'flaky-retried', 'slow', 'checked', 'outlier', 'pooled', 'crashy'];

const resilience: Walkthrough = {
  // Not one of the six: the type only knows those names, and this fixture never reaches the guides.
  name: 'resilience' as Walkthrough['name'],
  title: 'Resilience: retries, timeouts, health checks, outlier detection, connection pools',
  source: { title: 'a fixture of this test suite, following no original', site: 'this repository' },
  teaches: [],
  platform: 'eks',
  region: 'us-west-2',
  accounts: [{ name: 'main', title: 'test', exampleId: '111122223333' }],
  clusters: [
    {
      name: 'main',
      title: 'test cluster',
      clusterName: 'resilience',
      account: 'main',
      resources: [
        mesh(MESH, { egressFilter: { type: 'DROP_ALL' }, namespaceSelector: { matchLabels: { mesh: MESH } } }),
        meshNamespace(NS, MESH),
        ...node('flaky', { replicas: 2 }),
        direct('flaky-plain', 'flaky'),
        ...routed('flaky-retried', 'flaky', { retryPolicy: { maxRetries: 2, perRetryTimeout: ms(2000), httpRetryEvents: ['server-error'] } }),
        ...node('slowpoke'),
        ...routed('slow', 'slowpoke', { timeout: { perRequest: ms(500) } }),
        ...node('checked', { replicas: 2, listener: { healthCheck: { ...pingHealthCheck(), intervalMillis: 5000, timeoutMillis: 2000 } } }),
        direct('checked', 'checked'),
        ...node('outlier', {
          replicas: 2,
          listener: { outlierDetection: { maxServerErrors: 3, interval: seconds(10), baseEjectionDuration: seconds(60), maxEjectionPercent: 50 } },
        }),
        direct('outlier', 'outlier'),
        ...node('pooled', { listener: { connectionPool: { http: { maxConnections: 1, maxPendingRequests: 1 } } } }),
        direct('pooled', 'pooled'),
        ...node('undeclared'),
        direct('undeclared', 'undeclared'),
        ...node('crashy', { replicas: 2 }),
        direct('crashy', 'crashy'),
        workload(NS, 'client', { component: 'curl', replicas: 1, podLabels: { app: 'client' }, ports: [], command: ['sleep', 'infinity'] }),
        virtualNode(NS, 'client', {
          podSelector: { matchLabels: { app: 'client' } },
          backends: backends.map((name) => ({ virtualService: { virtualServiceRef: { name } } })),
        }),
      ],
    },
  ],
  steps: [
    { name: 'all', title: 'everything', summary: 'everything', changes: [] },
    {
      name: 'broken',
      title: 'a workload that cannot start',
      summary: 'an app whose configuration is invalid (SERVER_PORT) exits at once',
      changes: [
        {
          op: 'put',
          resource: workload(NS, 'doomed', { component: 'colorteller', replicas: 1, podLabels: { app: 'doomed' }, ports: [{ name: 'http', port: 8080 }], env: { SERVER_PORT: 'not-a-port' } }),
        },
      ],
    },
  ],
  entries: [{ name: 'client', title: 'the client', kind: 'exec', workload: { name: 'client', namespace: NS } }],
  checks: [],
  corrections: [],
};

let started: Started;

function instances(name: string): Instance[] {
  return started.run.instanceList().filter((i) => i.workload.metadata.name === name);
}

function http(
  port: number,
  path: string,
  options: { method?: string; body?: string; absolute?: boolean; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers = { ...(options.absolute ? { host: new URL(path).host } : {}), ...options.headers };
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', agent: false, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A request from the client pod: through its sidecar, as iptables would send it. */
const fromClient = (vs: string, path = '/') => http(instances('client')[0]!.ports.egress!, `http://${fqdn(vs)}:8080${path}`, { absolute: true });

/** A call to a ColorTeller's control port, with the run's token as every caller must send it. */
const control = (instance: Instance, path: string, body?: object) =>
  http(instance.ports.control!, path, {
    method: 'POST',
    headers: { authorization: `Bearer ${started.run.controlToken}` },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
const fault = (instance: Instance, body: object) => control(instance, '/fault', body);

async function clientStats(filter: string): Promise<string> {
  return (await http(instances('client')[0]!.ports.admin!, `/stats?filter=${encodeURIComponent(filter)}`)).body;
}

beforeAll(async () => {
  started = await startWalkthrough(resilience, {}, 'all');
}, 120_000);

afterAll(async () => {
  if (started) expect(await started.stop(), 'processes left behind').toEqual([]);
}, 60_000);

describe('the control port', () => {
  it('answers only with the run’s token, and neither the token nor a guess ever reaches the logs', async () => {
    const [pod] = instances('undeclared');
    const guess = 'Bearer not-the-token-but-a-long-guess';
    expect(await http(pod!.ports.control!, '/fault', { method: 'POST', body: '{"status": 500}' })).toMatchObject({ status: 401 });
    const refused = await http(pod!.ports.control!, '/fault', { method: 'POST', body: '{"status": 500}', headers: { authorization: guess } });
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body)).toEqual({ error: 'the bearer token is not this instance’s CONTROL_TOKEN' });
    expect(await http(pod!.ports.control!, '/fault', { headers: { authorization: `Bearer ${started.run.controlToken}` } })).toEqual({ status: 200, body: '{"fault":null}' });
    expect(started.run.controlToken).toMatch(/^[\w-]{43}$/);
    const logs = started.output.join('\n');
    expect(logs).toContain('control request refused');
    expect(logs).not.toContain(started.run.controlToken);
    expect(logs).not.toContain('long-guess');
    // Nor does any proxy's admin interface know it.
    const dump = await http(instances('client')[0]!.ports.admin!, '/config_dump');
    expect(dump.status).toBe(200);
    expect(dump.body).not.toContain(started.run.controlToken);
  });
});

describe('retries', () => {
  it('without a retry policy, a failing pod shows through; with one, the mesh hides it', async () => {
    await fault(instances('flaky')[0]!, { status: 503 });
    const plain = await Promise.all(Array.from({ length: 10 }, () => fromClient('flaky-plain')));
    expect(plain.filter((a) => a.status === 503).length).toBeGreaterThan(0);
    expect(plain.find((a) => a.status === 503)!.body).toBe('fault injected');
    const retried = [];
    for (let i = 0; i < 20; i++) retried.push(await fromClient('flaky-retried'));
    expect(retried.map((a) => `${a.status} ${a.body}`)).toEqual(Array(20).fill('200 flaky'));
    expect(await clientStats('upstream_rq_retry$')).toMatch(/cluster\.cds_egress_resilience-mesh_flaky_resilience_http_8080\.upstream_rq_retry: [1-9]/);
  });
});

describe('timeouts', () => {
  it('a route timeout answers 504 "upstream request timeout" while the app is still working', async () => {
    await fault(instances('slowpoke')[0]!, { delayMs: 3000 });
    expect(await fromClient('slow')).toEqual({ status: 504, body: 'upstream request timeout' });
    await control(instances('slowpoke')[0]!, '/recover');
    expect(await fromClient('slow')).toEqual({ status: 200, body: 'slowpoke' });
  });
});

describe('active health checks', () => {
  it('take a pod whose /ping fails out of rotation', async () => {
    const [sick] = instances('checked');
    await fault(sick!, { status: 503, ping: true });
    // Two failed checks five seconds apart mark it unhealthy, as App Mesh's thresholds say.
    await expect
      .poll(async () => (await http(instances('client')[0]!.ports.admin!, '/clusters')).body, { timeout: 30_000, interval: 500 })
      .toMatch(/cds_egress_resilience-mesh_checked_resilience_http_8080::127\.0\.0\.1:\d+::health_flags::\/failed_active_hc/);
    const answers = await Promise.all(Array.from({ length: 10 }, () => fromClient('checked')));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
  }, 40_000);
});

describe('outlier detection', () => {
  it('ejects a pod after maxServerErrors consecutive 5xx answers', async () => {
    const [bad] = instances('outlier');
    await fault(bad!, { status: 500 });
    const answers = [];
    for (let i = 0; i < 20; i++) answers.push((await fromClient('outlier')).status);
    // Round robin sends every other request to the bad pod until its third 500 ejects it.
    expect(answers.filter((s) => s === 500)).toHaveLength(3);
    expect(answers.slice(6)).toEqual(Array(14).fill(200));
    expect(await clientStats('outlier_detection')).toMatch(/_outlier_resilience_http_8080\.outlier_detection\.ejections_enforced_total: 1\n/);
  });
});

describe('connection pools', () => {
  it('beyond maxConnections and maxPendingRequests, the server’s sidecar answers 503 overflow', async () => {
    await fault(instances('pooled')[0]!, { delayMs: 1000 });
    const answers = await Promise.all([fromClient('pooled'), fromClient('pooled'), fromClient('pooled')]);
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 200, 503]);
    expect(answers.find((a) => a.status === 503)!.body).toBe('upstream connect error or disconnect/reset before headers. reset reason: overflow');
  });
});

describe('egress filter and backends', () => {
  it('a call to a virtual service the client does not list as a backend is refused (DROP_ALL: 404)', async () => {
    expect(await fromClient('undeclared')).toEqual({ status: 404, body: '' });
    // The same service is reachable for a node that declares it: it is the allow-list, not the service.
    expect((await fromClient('checked')).status).toBe(200);
  });
});

describe('crash recovery', () => {
  /** What `pnpm walkthrough status` shows: the run's own state API. */
  async function processState(name: string): Promise<ProcessState | undefined> {
    const state = (await (await fetch(new URL('/v1/state', started.run.controlPlaneUrl))).json()) as { processes: ProcessState[] };
    return state.processes.find((p) => p.name === name);
  }

  async function killAndWatchRecovery(name: string): Promise<{ failedWhileDown: number; restarts: number }> {
    const before = (await processState(name))!;
    expect(before.ready).toBe(true);
    process.kill(before.pid!, 'SIGKILL');
    let failedWhileDown = 0;
    // Traffic keeps flowing while the supervisor notices, waits its back-off and starts it again.
    await expect
      .poll(
        async () => {
          const answers = await Promise.all(Array.from({ length: 4 }, () => fromClient('crashy')));
          failedWhileDown += answers.filter((a) => a.status !== 200).length;
          const now = await processState(name);
          return Boolean(now && now.restarts === before.restarts + 1 && now.ready && now.pid !== before.pid);
        },
        { timeout: 30_000, interval: 200 },
      )
      .toBe(true);
    const after = (await processState(name))!;
    expect(after.lastExit).toEqual({ code: null, signal: 'SIGKILL' });
    // Healed: every pod answers again, the restarted one included.
    await expect.poll(async () => (await Promise.all(Array.from({ length: 20 }, () => fromClient('crashy')))).every((a) => a.status === 200), { timeout: 15_000 }).toBe(true);
    return { failedWhileDown, restarts: after.restarts };
  }

  it('starts a killed app again, as a pod’s container is restarted, and shows the restart in the run’s state', async () => {
    const pod = instances('crashy')[0]!;
    const { restarts } = await killAndWatchRecovery(`resilience/${instanceLabel(pod)}`);
    expect(restarts).toBe(1);
  }, 60_000);

  it('starts a killed sidecar again, which takes the current configuration from the control plane', async () => {
    const pod = instances('crashy')[1]!;
    const { restarts } = await killAndWatchRecovery(`resilience/${instanceLabel(pod)}/envoy`);
    expect(restarts).toBe(1);
    expect((await processState(`resilience/${instanceLabel(pod)}`))!.restarts).toBe(0);
  }, 60_000);
});

describe('step changes', () => {
  it('refuses a second step change while one is in flight (409), and changes nothing', async () => {
    const url = new URL('/v1/steps/all', started.run.controlPlaneUrl);
    const [first, second] = await Promise.all([fetch(url, { method: 'POST' }), fetch(url, { method: 'POST' })]);
    const statuses = [first.status, second.status].sort();
    expect(statuses).toEqual([200, 409]);
    const refused = (await (first.status === 409 ? first : second).json()) as { error: string; step: string };
    expect(refused.error).toBe('a change to step "all" is still being applied; try again once it is done');
    expect(started.run.step).toBe('all');
  });
});

describe('the run’s API from a browser on another site', () => {
  it('refuses a step change a foreign page sends (Origin) and a request for a rebound name (Host), changing nothing', async () => {
    const url = new URL('/v1/steps/broken', started.run.controlPlaneUrl);
    const foreign = await http(Number(url.port), url.pathname, { method: 'POST', headers: { origin: 'http://evil.example' } });
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body)).toEqual({ error: 'requests from "http://evil.example" may not change this run; use its own console or `pnpm walkthrough`' });
    const rebound = await http(Number(url.port), '/v1/state', { headers: { host: `evil.example:${url.port}` } });
    expect(rebound.status).toBe(403);
    expect(started.run.step).toBe('all');
    // Its own page's origin is fine.
    const own = await http(Number(url.port), '/v1/state', { headers: { origin: `http://127.0.0.1:${url.port}` } });
    expect(own.status).toBe(200);
  });
});

describe('a step that cannot come up', () => {
  it('is all or nothing: the run goes back to the step it was at and says so', async () => {
    const res = await fetch(new URL('/v1/steps/broken', started.run.controlPlaneUrl), { method: 'POST' });
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: string; step: string };
    expect(body.error).toMatch(/^step "broken" failed \(.*doomed.*\); the run is back at step "all"$/);
    expect(body.step).toBe('all');
    expect(started.run.step).toBe('all');
    expect(started.run.instanceList().some((i) => i.workload.metadata.name === 'doomed')).toBe(false);
    expect(started.run.processStates().some((p) => p.name.includes('doomed'))).toBe(false);
    expect((await fromClient('checked')).status).toBe(200);
  }, 60_000);
});

describe('one run per walkthrough', () => {
  it('refuses a second run of the same walkthrough while the first holds its lock, and starts nothing', async () => {
    const stateDir = dirname(dirname(started.run.lockFile));
    const second = WalkthroughRun.start({ walkthrough: resilience, repoRoot: findRepoRoot(), stateDir, backing: {}, databaseName: 'unused', redisDb: 0 });
    await expect(second).rejects.toThrow(RunLockedError);
    await expect(second).rejects.toThrow(`resilience is already running or starting (pid ${process.pid})`);
    expect(await readFile(started.run.lockFile, 'utf8')).toBe(`${process.pid}\n`);
  });
});
