/**
 * What runs in a workload: one of this repository's apps, or a third-party component. Each
 * component says which image it comes from, the user it runs as, the paths it must be able to write
 * (every container has a read-only root filesystem) and its default resources, so every renderer
 * and the local mesh agree on them.
 */
import { APPMESH_ENVOY_IMAGE } from './envoy-image.js';

/** The apps under `apps/`, each built from `apps/<app>/Dockerfile`. */
export type OurApp = 'colorteller' | 'music' | 'dj' | 'yelb-appserver' | 'yelb-ui';
export type ThirdPartyComponent = 'postgres' | 'redis' | 'envoy-gateway' | 'kong' | 'curl';
export type Component = OurApp | ThirdPartyComponent;

/** Containers that run beside a workload's app and Envoy (observability agents). */
export type SidecarComponent = 'xray-daemon' | 'cloudwatch-agent';

export const OUR_APPS: readonly OurApp[] = ['colorteller', 'music', 'dj', 'yelb-appserver', 'yelb-ui'];

export function isOurApp(component: Component): component is OurApp {
  return (OUR_APPS as readonly string[]).includes(component);
}

/**
 * Where our images live before a learner sets their own registry: an example ECR registry
 * (AWS's documentation account). Renderers make it replaceable in one place.
 */
export const EXAMPLE_IMAGE_REGISTRY = '111122223333.dkr.ecr.us-west-2.amazonaws.com';
export const OUR_IMAGE_REPOSITORY_PREFIX = 'amw';
export const OUR_IMAGE_TAG = 'latest';

/** `<registry>/amw/<app>:latest`, the tag `docker build -f apps/<app>/Dockerfile .` is pushed under. */
export function ourImage(app: OurApp, registry = EXAMPLE_IMAGE_REGISTRY): string {
  return `${registry}/${OUR_IMAGE_REPOSITORY_PREFIX}/${app}:${OUR_IMAGE_TAG}`;
}

export const THIRD_PARTY_IMAGES = {
  postgres: 'postgres:17-alpine',
  redis: 'redis:7.4-alpine',
  'envoy-gateway': APPMESH_ENVOY_IMAGE,
  kong: 'kong:3.9',
  'kong-ingress-controller': 'kong/kubernetes-ingress-controller:3.5.13',
  curl: 'curlimages/curl:8.11.1',
  // The last X-Ray daemon release (3.6.6, July 2026); the App Mesh chart only says `latest`.
  'xray-daemon': 'public.ecr.aws/xray/aws-xray-daemon:3.6.6',
  'cloudwatch-agent': 'public.ecr.aws/cloudwatch-agent/cloudwatch-agent:1.300064.0b1337',
} as const;

export interface ResourceAmounts {
  cpu: string;
  memory: string;
}

export interface ComponentResources {
  requests: ResourceAmounts;
  limits: ResourceAmounts;
}

export interface ComponentFacts {
  /** Numeric UID the container runs as (never 1337 for apps: that UID bypasses Envoy's egress capture). */
  runAsUser: number;
  runAsGroup: number;
  /** Paths that need a writable emptyDir, since the root filesystem is read-only. */
  writablePaths: string[];
  resources: ComponentResources;
}

const node = { requests: { cpu: '50m', memory: '96Mi' }, limits: { cpu: '500m', memory: '192Mi' } };
/**
 * From the appserver's memory bench (its README, Memory): 84-89 MiB peak RSS under 50 connections
 * with the image's Node flags, and V8 stops a runaway heap at ~121-126 MiB RSS. The request covers
 * the peak; the limit sits above that ceiling, so a leak ends in V8's own error, not an OOM kill.
 */
const yelbAppserver = { requests: { cpu: '50m', memory: '96Mi' }, limits: { cpu: '500m', memory: '144Mi' } };

export const COMPONENTS: Record<Component, ComponentFacts> = {
  colorteller: { runAsUser: 1000, runAsGroup: 1000, writablePaths: ['/tmp'], resources: node },
  music: { runAsUser: 1000, runAsGroup: 1000, writablePaths: ['/tmp'], resources: node },
  dj: { runAsUser: 1000, runAsGroup: 1000, writablePaths: ['/tmp'], resources: node },
  'yelb-appserver': { runAsUser: 1000, runAsGroup: 1000, writablePaths: ['/tmp'], resources: yelbAppserver },
  'yelb-ui': { runAsUser: 1000, runAsGroup: 1000, writablePaths: ['/tmp'], resources: node },
  // The alpine images' postgres user is 70 and redis user 999.
  postgres: {
    runAsUser: 70,
    runAsGroup: 70,
    writablePaths: ['/var/lib/postgresql/data', '/var/run/postgresql', '/tmp'],
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
  },
  redis: {
    runAsUser: 999,
    runAsGroup: 1000,
    writablePaths: ['/data'],
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '250m', memory: '128Mi' } },
  },
  'envoy-gateway': {
    runAsUser: 1337,
    runAsGroup: 1337,
    writablePaths: ['/tmp'],
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
  },
  kong: {
    runAsUser: 1000,
    runAsGroup: 1000,
    writablePaths: ['/kong_prefix', '/tmp'],
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
  },
  curl: {
    runAsUser: 100,
    runAsGroup: 101,
    writablePaths: ['/tmp'],
    resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
  },
};

export interface SidecarFacts {
  image: string;
  ports: { name: string; port: number; protocol: 'TCP' | 'UDP' }[];
  runAsUser: number;
  resources: ComponentResources;
  /** Environment the sidecar itself needs. */
  env: Record<string, string>;
}

/** CloudWatch agent configured to receive Envoy's DogStatsD metrics on 8125/udp. */
export function cloudWatchAgentConfig(metricsNamespace: string): string {
  return JSON.stringify({
    metrics: {
      namespace: metricsNamespace,
      metrics_collected: { statsd: { service_address: ':8125', metrics_aggregation_interval: 0 } },
    },
  });
}

export const SIDECARS: Record<SidecarComponent, Omit<SidecarFacts, 'env'>> = {
  'xray-daemon': {
    image: THIRD_PARTY_IMAGES['xray-daemon'],
    ports: [{ name: 'xray', port: 2000, protocol: 'UDP' }],
    runAsUser: 1337,
    resources: { requests: { cpu: '25m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
  },
  // Root, the image's own user: the agent writes its configuration under its install folder at
  // start. Never beside Envoy in a pod or a proxied task, where it would need UID 1337.
  'cloudwatch-agent': {
    image: THIRD_PARTY_IMAGES['cloudwatch-agent'],
    ports: [{ name: 'statsd', port: 8125, protocol: 'UDP' }],
    runAsUser: 0,
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
  },
};
