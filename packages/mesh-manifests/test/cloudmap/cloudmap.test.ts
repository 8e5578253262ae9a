/**
 * `pnpm mesh cloudmap`: plan, apply and instances through the CLI, with the real
 * ServiceDiscoveryClient behind aws-sdk-client-mock and an in-memory Cloud Map — what a walkthrough
 * needs, what exists, pagination, waiting on the namespace operation, partial failure and the rerun
 * that finishes it, clashes, AccessDenied, and the health explanations.
 */
import { CreateHttpNamespaceCommand, ListNamespacesCommand, ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyPlan, desiredCloudMap, inspect } from '../../src/cloudmap/index.js';
import { repositoryRoot } from '../../src/cli/context.js';
import { runCli } from '../../src/cli/main.js';
import { getWalkthrough } from '../../src/walkthroughs/index.js';
import { musicOnEcs } from '../ecs/fixture.js';
import { FakeCloudMap } from './fake-cloudmap.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { context: { root: repositoryRoot(), out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

async function mesh(...argv: string[]) {
  const run = capture();
  const code = await runCli(['cloudmap', ...argv, '--region', 'us-west-2'], run.context);
  return { code, out: run.out, err: run.err };
}

const COLOR_SERVICES = ['colorgateway', 'colorteller-black', 'colorteller-blue', 'colorteller-red', 'colorteller-white'];

describe('what a walkthrough needs', () => {
  it('ingress-gateway-ecs: the private DNS namespace with a service per task (A, TTL 300)', () => {
    const [ns, ...rest] = desiredCloudMap(getWalkthrough('ingress-gateway-ecs'));
    expect(rest).toEqual([]);
    expect(ns).toMatchObject({ name: 'default.svc.cluster.local', kind: 'dns-private', cluster: 'main', declared: true });
    expect(ns!.services.map((s) => [s.name, s.dnsRecord])).toEqual(COLOR_SERVICES.map((n) => [n, { type: 'A', ttl: 300 }]));
  });

  it('yelb-multi-account: the backend’s HTTP namespace and the service its awsCloudMap node names', () => {
    expect(desiredCloudMap(getWalkthrough('yelb-multi-account'))).toEqual([
      {
        name: 'am-multi-account.local',
        kind: 'http',
        cluster: 'backend',
        account: 'backend account',
        declared: true,
        services: [{ name: 'yelb-appserver', reason: 'virtual node yelb/yelb-appserver' }],
      },
    ]);
    expect(desiredCloudMap(getWalkthrough('yelb-multi-account'), 'frontend')).toEqual([]);
  });

  it('every step counts: a node added by a later step needs its service too', () => {
    expect(desiredCloudMap(musicOnEcs)[0]!.services.map((s) => s.name)).toEqual(['dj', 'jazz-v1', 'jazz-v2']);
  });
});

describe('pnpm mesh cloudmap', () => {
  let aws: FakeCloudMap;
  beforeEach(() => {
    aws = new FakeCloudMap();
  });
  afterEach(() => aws.restore());

  it('plan: shows what exists and what is missing, reading every page, and changes nothing', async () => {
    for (let i = 0; i < 5; i++) aws.addNamespace(`other-${i}.local`, 'HTTP');
    const ns = aws.addNamespace('default.svc.cluster.local', 'DNS_PRIVATE');
    aws.addService(ns, 'unrelated');
    aws.addService(ns, 'colorteller-white', { instances: [{ id: 't1', ip: '10.0.1.5', health: 'HEALTHY' }] });
    aws.addService(ns, 'colorteller-blue');
    const { code, out, err } = await mesh('plan', 'ingress-gateway-ecs');
    expect([code, err]).toEqual([0, []]);
    expect(out).toEqual([
      'Cloud Map for ingress-gateway-ecs in us-west-2',
      `namespace default.svc.cluster.local, private DNS: exists, ${ns}`,
      '  service colorgateway: to create (A record, TTL 300) — listed by the definition',
      '  service colorteller-black: to create (A record, TTL 300) — listed by the definition',
      expect.stringMatching(/^ {2}service colorteller-blue: exists, srv-\d+ \(0 instances\) — listed by the definition$/),
      '  service colorteller-red: to create (A record, TTL 300) — listed by the definition',
      expect.stringMatching(/^ {2}service colorteller-white: exists, srv-\d+ \(1 instance\) — listed by the definition$/),
      '3 to create: run `pnpm mesh cloudmap apply ingress-gateway-ecs`',
    ]);
    expect(aws.calls.filter((c) => c === 'ListNamespaces')).toHaveLength(3);
    expect(aws.calls.filter((c) => c === 'ListServices')).toHaveLength(2);
    expect(aws.calls.filter((c) => c.startsWith('Create'))).toEqual([]);
  });

  it('apply: creates the namespace (waiting on its operation), then its services; a second run has nothing to do', async () => {
    const usage = await mesh('apply', 'ingress-gateway-ecs');
    expect(usage.code).toBe(1);
    expect(usage.err).toEqual(['namespace default.svc.cluster.local is a private DNS namespace: pass --vpc <vpc-id> (the VPC the tasks run in); nothing was created']);
    expect(aws.calls.filter((c) => c.startsWith('Create'))).toEqual([]);

    const first = await mesh('apply', 'ingress-gateway-ecs', '--vpc', 'vpc-0abc');
    expect([first.code, first.err]).toEqual([0, []]);
    expect(first.out).toEqual([
      'Cloud Map for ingress-gateway-ecs in us-west-2',
      'creating namespace default.svc.cluster.local (private DNS in vpc-0abc)',
      '  operation op-1: SUCCESS',
      'created namespace default.svc.cluster.local: ns-1',
      ...COLOR_SERVICES.flatMap((s) => [`creating service ${s} in default.svc.cluster.local`, expect.stringMatching(new RegExp(`^created service ${s} in default\\.svc\\.cluster\\.local: srv-\\d+$`))]),
      'done: 6 created',
    ]);
    expect(aws.namespaces).toMatchObject([{ Name: 'default.svc.cluster.local', Type: 'DNS_PRIVATE', Vpc: 'vpc-0abc' }]);
    expect(aws.services.map((s) => s.Name).sort()).toEqual(COLOR_SERVICES);
    expect(aws.services[0]).toMatchObject({ DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 300 }], RoutingPolicy: 'MULTIVALUE' }, HealthCheckCustomConfig: {} });

    const again = await mesh('apply', 'ingress-gateway-ecs', '--vpc', 'vpc-0abc');
    expect(again.out).toEqual(['Cloud Map for ingress-gateway-ecs in us-west-2', 'nothing to do: every namespace and service exists']);
    expect(aws.services).toHaveLength(5);
  });

  it('apply: when one service fails the others are created, it exits 1 saying what is left, and a rerun finishes', async () => {
    const ns = aws.addNamespace('default.svc.cluster.local', 'DNS_PRIVATE');
    aws.addService(ns, 'colorgateway');
    aws.failingServices.set('colorteller-blue', Object.assign(new Error('Rate of CreateService exceeded the quota'), { name: 'ResourceLimitExceeded' }));
    const first = await mesh('apply', 'ingress-gateway-ecs');
    expect(first.code).toBe(1);
    expect(first.out).toContain('FAILED service colorteller-blue in default.svc.cluster.local: a Cloud Map quota is reached (ResourceLimitExceeded): Rate of CreateService exceeded the quota');
    expect(first.err).toEqual([
      '3 of 4 created; still to do: service colorteller-blue in default.svc.cluster.local (a Cloud Map quota is reached (ResourceLimitExceeded): Rate of CreateService exceeded the quota) — run `pnpm mesh cloudmap apply ingress-gateway-ecs` again to finish',
    ]);
    expect(aws.services.map((s) => s.Name).sort()).toEqual(['colorgateway', 'colorteller-black', 'colorteller-red', 'colorteller-white']);

    aws.failingServices.clear();
    const rerun = await mesh('apply', 'ingress-gateway-ecs');
    expect([rerun.code, rerun.err]).toEqual([0, []]);
    expect(rerun.out.filter((l) => l.startsWith('creat'))).toEqual(['creating service colorteller-blue in default.svc.cluster.local', expect.stringMatching(/^created service colorteller-blue/)]);
    expect(aws.services).toHaveLength(5);
  });

  it('apply: a namespace name taken by another type is a clash, reported in one line, and nothing is created', async () => {
    aws.addNamespace('default.svc.cluster.local', 'HTTP');
    const plan = await mesh('plan', 'ingress-gateway-ecs');
    expect(plan.out[1]).toMatch(/^namespace default\.svc\.cluster\.local, private DNS: CLASH: namespace default\.svc\.cluster\.local exists as HTTP \(ns-1\)/);
    expect(plan.out.at(-1)).toBe('a namespace name clashes: resolve it before `apply`');
    const apply = await mesh('apply', 'ingress-gateway-ecs', '--vpc', 'vpc-1');
    expect(apply.code).toBe(1);
    expect(apply.err).toEqual([
      'namespace default.svc.cluster.local exists as HTTP (ns-1) but the walkthrough needs a private DNS namespace: delete it or work in another region; nothing was created',
    ]);
    expect(aws.calls.filter((c) => c.startsWith('Create'))).toEqual([]);
  });

  it('apply: Cloud Map refusing the namespace name skips its services and says so', async () => {
    aws.mock.on(CreateHttpNamespaceCommand).rejects(
      Object.assign(new Error('Namespace am-multi-account.local already exists in this account'), { name: 'NamespaceAlreadyExists' }),
    );
    const result = await mesh('apply', 'yelb-multi-account', '--cluster', 'backend');
    expect(result.code).toBe(1);
    expect(result.out).toContain(
      'FAILED namespace am-multi-account.local: a namespace of that name already exists where Cloud Map looked (NamespaceAlreadyExists): Namespace am-multi-account.local already exists in this account — delete it, or deploy to another region or VPC',
    );
    expect(result.err[0]).toMatch(/^0 of 2 created; still to do: namespace am-multi-account\.local \(.*\); service yelb-appserver in am-multi-account\.local \(its namespace is missing\)/);
  });

  it('AccessDenied stops at once with one line', async () => {
    aws.mock.on(ListNamespacesCommand).rejects(
      Object.assign(new Error('User: arn:aws:iam::111122223333:user/learner is not authorized to perform: servicediscovery:ListNamespaces'), { name: 'AccessDeniedException' }),
    );
    const result = await mesh('plan', 'ingress-gateway-ecs');
    expect(result.code).toBe(1);
    expect(result.err).toEqual([expect.stringMatching(/^access denied: User: .* is not authorized to perform: servicediscovery:ListNamespaces — your credentials need the servicediscovery permissions/)]);
  });

  it('instances: every instance with its health, and what UNKNOWN and UNHEALTHY mean for that service', async () => {
    const ns = aws.addNamespace('default.svc.cluster.local', 'DNS_PRIVATE');
    aws.addService(ns, 'colorteller-white', { instances: [{ id: 'task-a', ip: '10.0.1.5', health: 'HEALTHY' }, { id: 'task-b', ip: '10.0.1.6', health: 'UNHEALTHY' }, { id: 'task-c', ip: '10.0.1.7' }] });
    aws.addService(ns, 'colorteller-blue', { custom: false, instances: [{ id: 'task-d', ip: '10.0.2.5' }] });
    aws.addService(ns, 'colorgateway');
    const { code, out } = await mesh('instances', 'ingress-gateway-ecs');
    expect(code).toBe(0);
    expect(out.slice(0, 12)).toEqual([
      'Cloud Map for ingress-gateway-ecs in us-west-2',
      `namespace default.svc.cluster.local (${ns})`,
      expect.stringMatching(/^ {2}colorgateway \(srv-\d+, custom health check\): no instance registered$/),
      '  colorteller-black: no such service yet',
      expect.stringMatching(/^ {2}colorteller-blue \(srv-\d+, no health check\): 1 instance$/),
      '    task-d  10.0.2.5  UNKNOWN',
      '  colorteller-red: no such service yet',
      expect.stringMatching(/^ {2}colorteller-white \(srv-\d+, custom health check\): 3 instances$/),
      '    task-a  10.0.1.5  HEALTHY',
      '    task-b  10.0.1.6  UNHEALTHY',
      '    task-c  10.0.1.7  UNKNOWN',
      expect.stringMatching(/^UNKNOWN in colorteller-blue: the service has no health check/),
    ]);
    expect(out.slice(12)).toEqual([
      expect.stringMatching(/^UNHEALTHY in colorteller-white: its registrar reported it unhealthy \(on ECS: an essential container's health check fails/),
      expect.stringMatching(/^UNKNOWN in colorteller-white: custom health not reported yet/),
    ]);
    expect(aws.calls.filter((c) => c.startsWith('GetInstancesHealthStatus'))).toHaveLength(3);
  });

  it('a walkthrough without Cloud Map says so; bad names are usage errors', async () => {
    expect(await mesh('plan', 'mesh-basics')).toEqual({ code: 0, out: ['mesh-basics needs no Cloud Map namespace: its nodes use DNS discovery through Kubernetes Services'], err: [] });
    expect((await mesh('instances', 'nope')).code).toBe(2);
    expect((await mesh('plan', 'yelb-multi-account', '--cluster', 'middle')).err).toEqual(['walkthrough yelb-multi-account has no cluster "middle"; its clusters are: frontend, backend']);
    expect(aws.calls).toEqual([]);
  });
});

describe('waiting on a namespace', () => {
  let aws: FakeCloudMap;
  beforeEach(() => {
    aws = new FakeCloudMap();
  });
  afterEach(() => aws.restore());

  it('polls GetOperation until SUCCESS, printing each new status', async () => {
    aws.pendingPolls = 3;
    const client = new ServiceDiscoveryClient({ region: 'us-west-2' });
    const lines: string[] = [];
    const sleeps: number[] = [];
    const plans = await inspect(client, desiredCloudMap(musicOnEcs));
    const result = await applyPlan(client, plans, { print: (l) => lines.push(l), pollIntervalMs: 5, sleep: async (ms) => void sleeps.push(ms) });
    expect(result.leftToDo).toEqual([]);
    expect(lines.slice(0, 4)).toEqual(['creating namespace music.local (HTTP)', '  operation op-1: PENDING', '  operation op-1: SUCCESS', 'created namespace music.local: ns-1']);
    expect(aws.calls.filter((c) => c.startsWith('GetOperation'))).toHaveLength(4);
    expect(sleeps).toEqual([5, 5, 5]);
    expect(result.created).toEqual(['namespace music.local', 'service dj in music.local', 'service jazz-v1 in music.local', 'service jazz-v2 in music.local']);
  });

  it('gives up after the wait limit and leaves the services to the next run', async () => {
    aws.pendingPolls = 1000;
    const client = new ServiceDiscoveryClient({ region: 'us-west-2' });
    const plans = await inspect(client, desiredCloudMap(musicOnEcs));
    const result = await applyPlan(client, plans, { print: () => {}, pollIntervalMs: 0, maxWaitMs: 0, sleep: async () => {} });
    expect(result.leftToDo[0]).toEqual({ what: 'namespace music.local', reason: expect.stringMatching(/still PENDING after waiting; see `aws servicediscovery get-operation --operation-id op-1`/) });
    expect(result.leftToDo.slice(1).map((l) => l.reason)).toEqual(['its namespace is missing', 'its namespace is missing', 'its namespace is missing']);
  });
});
