/**
 * The workloads that back the mesh: which app or component runs, with which environment, ports,
 * replicas and pod labels (so virtual node podSelectors and Service selectors can be resolved
 * against them), plus what ECS needs to size a task. Platform-neutral: the EKS renderer turns a
 * Workload into a Deployment, the ECS renderer into a task definition and service, the local mesh
 * into processes with sidecars.
 */
import type { ObjectMeta } from './appmesh.js';
import type { Component, ComponentResources, SidecarComponent } from './components.js';

export interface ContainerPort {
  /** IANA-style name (`http`, `postgres`…), used by Services' `targetPort`. */
  name: string;
  port: number;
  protocol?: 'TCP' | 'UDP';
}

export interface HttpProbe {
  path: string;
  port: number;
}

export interface EcsProxyConfiguration {
  type: 'APPMESH';
  containerName: 'envoy';
  ignoredUid: number;
  proxyIngressPort: number;
  proxyEgressPort: number;
  appPorts: number[];
  egressIgnoredIps: string[];
}

export interface EcsTaskFacts {
  launchType: 'FARGATE';
  networkMode: 'awsvpc';
  /** CPU units (256 = 0.25 vCPU). */
  cpu: number;
  /** MiB. */
  memory: number;
  desiredCount: number;
  /** Present for a meshed app task; a gateway task runs Envoy as its main container instead. */
  proxyConfiguration?: EcsProxyConfiguration;
  envoy: {
    user?: string;
    adminPort: number;
    /** The app container starts only when Envoy reports HEALTHY. */
    appDependsOnHealthyEnvoy: boolean;
    ulimitNofile: number;
  };
}

/** Which App Mesh resource a workload's Envoy speaks for. */
export type MeshIdentity = { virtualNode: string; namespace?: string } | { virtualGateway: string; namespace?: string };

export interface WorkloadSpec {
  component: Component;
  /** Kubernetes cluster (EKS) or ECS cluster the workload runs in; see `Walkthrough.clusters`. */
  replicas: number;
  podLabels: Record<string, string>;
  ports: ContainerPort[];
  /** The app's environment. Order carries no meaning. */
  env?: Record<string, string>;
  /** HTTP readiness/liveness check on the app itself (App Mesh health checks live on the virtual node). */
  probe?: HttpProbe;
  serviceAccountName?: string;
  /**
   * On EKS the injector finds a workload's virtual node through podSelectors; ECS (and an explicit
   * reader) need it spelled out. Absent: resolve it from the podSelectors.
   */
  meshIdentity?: MeshIdentity;
  /** Extra environment for the workload's Envoy (tracing, StatsD). */
  proxyEnv?: Record<string, string>;
  /** Observability agents running beside the app. */
  sidecars?: SidecarComponent[];
  /** Environment per sidecar, e.g. the CloudWatch agent's configuration. */
  sidecarEnv?: Partial<Record<SidecarComponent, Record<string, string>>>;
  /** Overrides the component's default resources. */
  resources?: ComponentResources;
  /** Kong only: the UID of its ingress-controller container (1337 bypasses Envoy's egress capture). */
  kongIngressControllerUid?: number;
  /** Command for components that need one (the curl client sleeps). */
  command?: string[];
  ecs?: EcsTaskFacts;
  /** What a learner reading the manifests should know about this workload. */
  notes?: string[];
}

export interface Workload {
  kind: 'Workload';
  metadata: ObjectMeta;
  spec: WorkloadSpec;
}
