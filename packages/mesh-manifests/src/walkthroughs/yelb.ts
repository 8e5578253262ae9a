/**
 * The Yelb pieces both Yelb walkthroughs share: Redis and Postgres as TCP virtual nodes, the UI
 * as an HTTP node behind a load balancer, and the checks a learner runs against the UI.
 */
import type { VirtualNodeSpec } from '../model/appmesh.js';
import { service, virtualNode, virtualService, workload } from '../model/build.js';
import type { GuidedCheck } from '../model/walkthrough.js';
import type { Resource } from '../model/walkthrough.js';
import type { WorkloadSpec } from '../model/workload.js';
import { PROXY_SERVICE_ACCOUNT } from './shared.js';

interface Options {
  /** The virtual service's awsName; default: the short name, as the original Yelb manifests had it. */
  awsName?: (name: string, namespace: string) => string;
  logging?: VirtualNodeSpec['logging'];
  observability?: Partial<WorkloadSpec>;
}

const shortName = (name: string) => name;

function tcpBackingService(
  namespace: string,
  name: string,
  spec: { component: 'redis' | 'postgres'; port: number; portName: string; tier: string; env?: Record<string, string> },
  options: Options,
): Resource[] {
  const labels = { app: name, tier: spec.tier };
  return [
    workload(namespace, name, {
      component: spec.component,
      replicas: 1,
      podLabels: labels,
      ports: [{ name: spec.portName, port: spec.port }],
      ...(spec.env ? { env: spec.env } : {}),
      serviceAccountName: PROXY_SERVICE_ACCOUNT,
      ...options.observability,
    }),
    service(namespace, name, { selector: labels, ports: [{ name: spec.portName, port: spec.port, targetPort: spec.portName }] }),
    virtualNode(namespace, name, {
      podSelector: { matchLabels: { app: name } },
      listeners: [{ portMapping: { port: spec.port, protocol: 'tcp' } }],
      serviceDiscovery: { dns: { hostname: `${name}.${namespace}.svc.cluster.local` } },
      ...(options.logging ? { logging: options.logging } : {}),
    }),
    virtualService(namespace, name, {
      awsName: (options.awsName ?? shortName)(name, namespace),
      provider: { virtualNode: { virtualNodeRef: { name } } },
    }),
  ];
}

export function yelbRedis(namespace: string, options: Options = {}): Resource[] {
  return tcpBackingService(namespace, 'redis-server', { component: 'redis', port: 6379, portName: 'redis', tier: 'cache' }, options);
}

/** The appserver (RACK_ENV=production) logs in as postgres/postgres_password to database yelbdatabase, as the original did. */
export function yelbDatabase(namespace: string, options: Options = {}): Resource[] {
  return tcpBackingService(
    namespace,
    'yelb-db',
    {
      component: 'postgres',
      port: 5432,
      portName: 'postgres',
      tier: 'backenddb',
      env: { POSTGRES_DB: 'yelbdatabase', POSTGRES_PASSWORD: 'postgres_password', PGDATA: '/var/lib/postgresql/data/pgdata' },
    },
    options,
  );
}

export function yelbUi(
  namespace: string,
  options: Options & { appserverEndpoint: string; backends: NonNullable<VirtualNodeSpec['backends']>; withVirtualService?: boolean },
): Resource[] {
  const labels = { app: 'yelb-ui', tier: 'frontend' };
  return [
    workload(namespace, 'yelb-ui', {
      component: 'yelb-ui',
      replicas: 1,
      podLabels: labels,
      ports: [{ name: 'http', port: 8080 }],
      env: { YELB_APPSERVER_ENDPOINT: options.appserverEndpoint },
      probe: { path: '/ping', port: 8080 },
      serviceAccountName: PROXY_SERVICE_ACCOUNT,
      ...options.observability,
    }),
    service(namespace, 'yelb-ui', {
      type: 'LoadBalancer',
      nlb: true,
      selector: labels,
      ports: [{ name: 'http', port: 80, targetPort: 'http' }],
    }),
    virtualNode(namespace, 'yelb-ui', {
      podSelector: { matchLabels: { app: 'yelb-ui' } },
      listeners: [{ portMapping: { port: 8080, protocol: 'http' } }],
      serviceDiscovery: { dns: { hostname: `yelb-ui.${namespace}.svc.cluster.local` } },
      backends: options.backends,
      ...(options.logging ? { logging: options.logging } : {}),
    }),
    ...(options.withVirtualService
      ? [
          virtualService(namespace, 'yelb-ui', {
            awsName: (options.awsName ?? shortName)('yelb-ui', namespace),
            provider: { virtualNode: { virtualNodeRef: { name: 'yelb-ui' } } },
          }),
        ]
      : []),
  ];
}

/** What a learner sees through the UI's load balancer once Yelb runs. */
export function yelbChecks(entry: string): GuidedCheck[] {
  return [
    {
      name: 'ui-loads',
      title: 'The UI loads', ja: { title: 'UI が表示される' },
      request: { entry, path: '/' },
      expect: { kind: 'always', response: { body: { contains: 'Yelb' }, label: 'the Yelb page (HTML)', ja: { label: 'Yelb のページ（HTML）' } } },
    },
    {
      name: 'votes',
      title: 'The votes come back in the fixed order', ja: { title: '投票結果が決まった順に返る' },
      request: { entry, path: '/api/getvotes' },
      expect: {
        kind: 'always',
        response: {
          body: { matches: '"name"\\s*:\\s*"outback"[\\s\\S]*"name"\\s*:\\s*"bucadibeppo"[\\s\\S]*"name"\\s*:\\s*"ihop"[\\s\\S]*"name"\\s*:\\s*"chipotle"' },
          label: '[{"name": "outback", "value": N}, {"name": "bucadibeppo", …}, {"name": "ihop", …}, {"name": "chipotle", …}]',
          ja: { label: '[{"name": "outback", "value": N}, {"name": "bucadibeppo", …}, {"name": "ihop", …}, {"name": "chipotle", …}]' },
        },
      },
    },
    {
      name: 'vote',
      title: 'A vote counts', ja: { title: '投票が数えられる' },
      request: { entry, path: '/api/ihop' },
      expect: { kind: 'always', response: { body: { matches: '^\\d+$' }, label: 'the new count for ihop, e.g. 1', ja: { label: 'ihop の新しい票数（例: 1）' } } },
    },
    {
      name: 'stats',
      title: 'The page shows the appserver’s hostname and the page views', ja: { title: 'ページに appserver のホスト名とページビューが表示される' },
      request: { entry, path: '/api/getstats' },
      expect: {
        kind: 'always',
        response: {
          body: { matches: '"hostname"\\s*:\\s*"[^"]+"[\\s\\S]*"pageviews"\\s*:\\s*\\d+' },
          label: '{"hostname": "<the appserver pod>", "pageviews": N}',
          ja: { label: '{"hostname": "<appserver の Pod>", "pageviews": N}' },
        },
      },
    },
  ];
}
