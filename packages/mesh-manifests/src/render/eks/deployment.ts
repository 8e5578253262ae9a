/**
 * A Workload as a hardened Deployment: every container non-root, read-only root filesystem (with
 * an emptyDir for each path the component writes), no capabilities, no privilege escalation,
 * seccomp RuntimeDefault, requests and limits. The exceptions are commented where they are.
 */
import type { ComponentResources, SidecarComponent } from '../../model/components.js';
import { COMPONENTS, isOurApp, ourImage, SIDECARS, THIRD_PARTY_IMAGES } from '../../model/components.js';
import { K8S } from '../../model/kubernetes.js';
import { NODE_IP_REFERENCE, usesCloudWatchAgent } from './cloudwatch-agent.js';
import type { Service } from '../../model/kubernetes.js';
import { selectorMatches } from '../../model/state.js';
import type { Workload } from '../../model/workload.js';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { FieldComment } from '../yaml.js';
import type { EmittedObject } from './output.js';

type Env = NonNullable<IContainer['env']>;

/** The container the App Mesh controller and the guides address: `envoy` for a gateway (the controller looks for that name). */
export function mainContainerName(workload: Workload): string {
  switch (workload.spec.component) {
    case 'envoy-gateway':
      return 'envoy';
    case 'kong':
      return 'proxy';
    case 'postgres':
    case 'redis':
    case 'curl':
      return workload.spec.component;
    default:
      return 'app';
  }
}

function envList(env: Record<string, string> | undefined): Env {
  return Object.keys(env ?? {})
    .sort()
    .map((name) => ({ name, value: env![name]! }));
}

function securityContext(runAsUser: number, runAsGroup: number, readOnlyRootFilesystem = true) {
  return {
    runAsNonRoot: true,
    runAsUser,
    runAsGroup,
    readOnlyRootFilesystem,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
  };
}

function resources(r: ComponentResources) {
  return { requests: { ...r.requests }, limits: { ...r.limits } };
}

function volumeName(path: string): string {
  return path.replace(/^\/+/, '').replace(/[^a-z0-9]+/gi, '-').toLowerCase() || 'root';
}

/** Typed by Kubernetes' own model, so a misspelt field fails the type check rather than being dropped by the API server. */
type Container = IContainer & { image: string };

function withWritablePaths(container: Container, paths: readonly string[], volumes: Map<string, string>): Container {
  if (!paths.length) return container;
  for (const path of paths) volumes.set(`${container.name}-${volumeName(path)}`, path);
  return { ...container, volumeMounts: paths.map((path) => ({ name: `${container.name}-${volumeName(path)}`, mountPath: path })) };
}

function sidecarContainer(workload: Workload, sidecar: SidecarComponent): { container: Container; comment: string } {
  const facts = SIDECARS[sidecar];
  const env = envList(workload.spec.sidecarEnv?.[sidecar]);
  const container: Container = {
    name: sidecar,
    image: facts.image,
    ...(env.length ? { env } : {}),
    ports: facts.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: p.protocol })),
    resources: resources(facts.resources),
    securityContext: securityContext(facts.runAsUser, facts.runAsUser),
  };
  if (sidecar !== 'xray-daemon') throw new Error(`workload ${workload.metadata.name}: no EKS sidecar for ${sidecar}`);
  const comment =
    'Receives Envoy’s trace segments on 127.0.0.1:2000/udp and sends them to AWS X-Ray.\nRuns as Envoy’s UID 1337 so its own calls to AWS bypass Envoy’s egress capture; it writes nothing to disk.';
  return { container, comment };
}

function probe(path: string, port: number | string) {
  return { httpGet: { path, port }, periodSeconds: 10 };
}

/**
 * How a pod meets its mesh: App Mesh's injector adds Envoy (and the workload's observability
 * agents ride beside it), Istio's injector adds its proxy, or no proxy at all (Lattice).
 */
export type PodMesh = 'appmesh' | 'istio' | 'none';

export interface DeploymentOptions {
  mesh: PodMesh;
  /** Replaces the workload's service account. */
  serviceAccountName?: string;
  /** Replaces values of the app's environment (a target's own names for its backends). */
  env?: Record<string, string>;
  /** Extra pod annotations. */
  podAnnotations?: Record<string, string>;
  /** Replaces the Kong ingress controller's UID. */
  kongIngressControllerUid?: number;
}

const POD_SECURITY_COMMENT: Record<PodMesh, string[]> = {
  appmesh: [
    'runAsNonRoot is set per container, not here: the App Mesh injector adds an init container,',
    '`proxyinit`, that runs as root with NET_ADMIN to write the iptables rules sending traffic through Envoy,',
    'and an `envoy` sidecar running as UID 1337. Our own containers meet the "restricted" Pod Security Standard.',
  ],
  istio: [
    'runAsNonRoot is set per container, not here: the Istio injector adds an init container, `istio-init`,',
    'that runs with NET_ADMIN to write the iptables rules sending traffic through its proxy (unless the Istio CNI',
    'plugin does that), and an `istio-proxy` sidecar running as UID 1337. Our own containers meet the "restricted" standard.',
  ],
  none: ['No proxy is injected: every container here meets the "restricted" Pod Security Standard.'],
};

/** Kong DB-less: its proxy, and its ingress controller feeding it through the local admin API. */
function kongContainers(workload: Workload, services: readonly Service[], volumes: Map<string, string>, controllerUid: number | undefined) {
  const facts = COMPONENTS.kong;
  const publish = services.find(
    (s) => s.metadata.namespace === workload.metadata.namespace && s.spec.selector && selectorMatches({ matchLabels: s.spec.selector }, workload.spec.podLabels),
  );
  if (!publish) throw new Error(`Kong workload ${workload.metadata.name} has no Service selecting it to publish its address on`);
  const proxyPort = workload.spec.ports.find((p) => p.name === 'proxy');
  if (!proxyPort) throw new Error(`Kong workload ${workload.metadata.name} must declare a port named "proxy"`);
  const proxy = withWritablePaths(
    {
      name: 'proxy',
      image: THIRD_PARTY_IMAGES.kong,
      env: envList({
        KONG_DATABASE: 'off',
        KONG_PROXY_LISTEN: `0.0.0.0:${proxyPort.port}`,
        KONG_ADMIN_LISTEN: '127.0.0.1:8444 ssl',
        KONG_STATUS_LISTEN: '0.0.0.0:8100',
        KONG_PREFIX: '/kong_prefix/',
        KONG_NGINX_WORKER_PROCESSES: '2',
        KONG_PROXY_ACCESS_LOG: '/dev/stdout',
        KONG_ADMIN_ACCESS_LOG: '/dev/stdout',
        KONG_PROXY_ERROR_LOG: '/dev/stderr',
        KONG_ADMIN_ERROR_LOG: '/dev/stderr',
        KONG_ANONYMOUS_REPORTS: 'off',
      }),
      ports: [
        { name: 'proxy', containerPort: proxyPort.port, protocol: 'TCP' },
        { name: 'status', containerPort: 8100, protocol: 'TCP' },
      ],
      readinessProbe: probe('/status', 'status'),
      livenessProbe: probe('/status', 'status'),
      resources: resources(workload.spec.resources ?? facts.resources),
      securityContext: securityContext(facts.runAsUser, facts.runAsGroup),
    },
    facts.writablePaths,
    volumes,
  );
  const uid = controllerUid ?? workload.spec.kongIngressControllerUid ?? facts.runAsUser;
  const controller = withWritablePaths(
    {
      name: 'ingress-controller',
      image: THIRD_PARTY_IMAGES['kong-ingress-controller'],
      env: [
        ...envList({
          CONTROLLER_KONG_ADMIN_URL: 'https://127.0.0.1:8444',
          CONTROLLER_KONG_ADMIN_TLS_SKIP_VERIFY: 'true',
          CONTROLLER_PUBLISH_SERVICE: `${publish.metadata.namespace}/${publish.metadata.name}`,
          CONTROLLER_INGRESS_CLASS: 'kong',
          CONTROLLER_ANONYMOUS_REPORTS: 'false',
        }),
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      ],
      ports: [{ name: 'cmetrics', containerPort: 10255, protocol: 'TCP' }],
      readinessProbe: probe('/readyz', 10254),
      livenessProbe: probe('/healthz', 10254),
      resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
      securityContext: securityContext(uid, uid),
    },
    ['/tmp'],
    volumes,
  );
  return { proxy, controller, uid };
}

/** The Deployment (and, for gateways and Kong, the comments a learner needs) for one workload. */
export function deploymentFor(workload: Workload, services: readonly Service[], registry: string, options: DeploymentOptions = { mesh: 'appmesh' }): EmittedObject {
  const { spec, metadata } = workload;
  const facts = COMPONENTS[spec.component];
  const volumes = new Map<string, string>();
  const fields: FieldComment[] = [];
  const containers: Container[] = [];
  const podPath = ['spec', 'template', 'spec'];
  const containerComments: string[] = [];

  if (spec.component === 'kong') {
    const { proxy, controller, uid } = kongContainers(workload, services, volumes, options.kongIngressControllerUid);
    containers.push(proxy, controller);
    containerComments.push(
      '',
      uid === 1337
        ? `The ingress controller runs as UID ${uid}: ${options.mesh === 'istio' ? 'the Istio proxy’s' : 'Envoy’s'} iptables rules leave that UID’s traffic alone,\nso it reaches the Kubernetes API server although the mesh drops other egress.`
        : '',
    );
  } else {
    const image = isOurApp(spec.component) ? ourImage(spec.component, registry) : THIRD_PARTY_IMAGES[spec.component];
    const env = envList(options.env ? { ...spec.env, ...options.env } : spec.env);
    const main: Container = {
      name: mainContainerName(workload),
      image,
      ...(isOurApp(spec.component) ? { imagePullPolicy: 'Always' } : {}),
      ...(spec.command ? { command: spec.command } : {}),
      ...(env.length ? { env } : {}),
      ...(spec.ports.length
        ? { ports: spec.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: p.protocol ?? 'TCP' })) }
        : {}),
      ...(spec.probe ? { readinessProbe: probe(spec.probe.path, spec.probe.port), livenessProbe: probe(spec.probe.path, spec.probe.port) } : {}),
      ...(spec.component === 'postgres' || spec.component === 'redis'
        ? { readinessProbe: { tcpSocket: { port: spec.ports[0]!.name }, periodSeconds: 10 } }
        : {}),
      resources: resources(spec.resources ?? facts.resources),
      securityContext: securityContext(facts.runAsUser, facts.runAsGroup),
    };
    containers.push(withWritablePaths(main, facts.writablePaths, volumes));
    containerComments.push(
      spec.component === 'envoy-gateway'
        ? 'The App Mesh controller gives this container (it must be named `envoy`) its identity, APPMESH_RESOURCE_ARN,\nfrom the VirtualGateway whose podSelector matches these pods, and swaps the image for its own Envoy image\nunless the pod is annotated appmesh.k8s.aws/virtualGatewaySkipImageOverride: enabled.'
        : '',
    );
  }
  // The CloudWatch agent is not a sidecar on EKS: one per node serves every Envoy (eks/cloudwatch-agent.ts).
  for (const sidecar of options.mesh === 'appmesh' ? (spec.sidecars ?? []).filter((s) => s !== 'cloudwatch-agent') : []) {
    const { container, comment } = sidecarContainer(workload, sidecar);
    containers.push(container);
    containerComments.push(comment);
  }
  containerComments.forEach((text, i) => {
    if (text) fields.push({ path: [...podPath, 'containers', i], text });
  });

  const lowPort = Math.min(...containers.flatMap((c) => (c.ports ?? []).map((p) => p.containerPort)));
  const sysctls = lowPort < 1024 ? [{ name: 'net.ipv4.ip_unprivileged_port_start', value: String(lowPort) }] : undefined;
  fields.push({
    path: [...podPath, 'securityContext'],
    text: [
      ...POD_SECURITY_COMMENT[options.mesh],
      ...(sysctls
        ? [`The app listens on port ${lowPort}${options.mesh === 'appmesh' ? " (the virtual node's listener port)" : ''} as a non-root user: this namespaced, safe sysctl allows it.`]
        : []),
    ].join('\n'),
  });

  const proxyEnv: Record<string, string> =
    options.mesh === 'appmesh' ? { ...spec.proxyEnv, ...(usesCloudWatchAgent(workload) ? { STATSD_ADDRESS: NODE_IP_REFERENCE } : {}) } : {};
  const annotations: Record<string, string> = {
    ...(Object.keys(proxyEnv).length
      ? {
          [K8S.sidecarEnvAnnotation]: Object.keys(proxyEnv)
            .sort()
            .map((k) => `${k}=${proxyEnv[k]}`)
            .join(', '),
        }
      : {}),
    ...options.podAnnotations,
  };
  const podAnnotations = Object.keys(annotations).length ? annotations : undefined;
  if (podAnnotations && Object.keys(proxyEnv).length) {
    fields.push({ path: ['spec', 'template', 'metadata', 'annotations'], text: 'Extra environment for the Envoy sidecar the injector adds (tracing and metrics).' });
  }
  const serviceAccountName = options.serviceAccountName ?? spec.serviceAccountName;

  const object: IDeployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: metadata.name, namespace: metadata.namespace, labels: { ...spec.podLabels } },
    spec: {
      replicas: spec.replicas,
      selector: { matchLabels: { ...spec.podLabels } },
      template: {
        metadata: { labels: { ...spec.podLabels }, ...(podAnnotations ? { annotations: podAnnotations } : {}) },
        spec: {
          ...(serviceAccountName ? { serviceAccountName } : { automountServiceAccountToken: false }),
          securityContext: {
            seccompProfile: { type: 'RuntimeDefault' },
            ...(sysctls ? { sysctls } : {}),
          },
          containers,
          ...(volumes.size
            ? { volumes: [...volumes.keys()].sort().map((name) => ({ name, emptyDir: {} })) }
            : {}),
        },
      },
    },
  };
  const notes = spec.notes?.length ? spec.notes.join('\n') : undefined;
  return { file: 'deployments.yaml', object: object as unknown as EmittedObject['object'], ...(notes ? { comment: notes } : {}), fields };
}
