/**
 * The Kubernetes-native objects a definition holds as they are (Namespace, Service, Ingress,
 * Secret) and Kong's configuration CRDs as Kong documents them today. Only the fields the
 * walkthroughs use are typed; they are applied as written.
 */
import type { ObjectMeta } from './appmesh.js';

export interface Namespace {
  apiVersion: 'v1';
  kind: 'Namespace';
  metadata: ObjectMeta;
}

export interface ServicePort {
  name: string;
  port: number;
  /** The container port's number or name. */
  targetPort: number | string;
  protocol?: 'TCP' | 'UDP';
}

export interface Service {
  apiVersion: 'v1';
  kind: 'Service';
  metadata: ObjectMeta;
  spec: {
    type?: 'ClusterIP' | 'LoadBalancer';
    /** Absent: a placeholder Service that only gives a virtual service's name a DNS entry. */
    selector?: Record<string, string>;
    ports: ServicePort[];
  };
}

export interface IngressBackend {
  service: { name: string; port: { number: number } };
}

export interface Ingress {
  apiVersion: 'networking.k8s.io/v1';
  kind: 'Ingress';
  metadata: ObjectMeta;
  spec: {
    ingressClassName: string;
    rules: {
      host?: string;
      http: { paths: { path: string; pathType: 'Prefix' | 'Exact' | 'ImplementationSpecific'; backend: IngressBackend }[] };
    }[];
  };
}

export interface Secret {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: ObjectMeta;
  type?: string;
  stringData: Record<string, string>;
}

export const KONG_API_VERSION = 'configuration.konghq.com/v1';

export interface KongPlugin {
  apiVersion: typeof KONG_API_VERSION;
  kind: 'KongPlugin';
  metadata: ObjectMeta;
  plugin: string;
  config?: Record<string, unknown>;
}

export interface KongConsumer {
  apiVersion: typeof KONG_API_VERSION;
  kind: 'KongConsumer';
  metadata: ObjectMeta;
  username: string;
  /** Names of Secrets labelled `konghq.com/credential: <plugin>` in the consumer's namespace. */
  credentials?: string[];
}

/** Labels and annotations the walkthroughs use, spelled once. */
export const K8S = {
  injectorLabel: 'appmesh.k8s.aws/sidecarInjectorWebhook',
  sidecarEnvAnnotation: 'appmesh.k8s.aws/sidecarEnv',
  nlbAnnotation: 'service.beta.kubernetes.io/aws-load-balancer-type',
  irsaAnnotation: 'eks.amazonaws.com/role-arn',
  kongStripPath: 'konghq.com/strip-path',
  kongPreserveHost: 'konghq.com/preserve-host',
  kongPlugins: 'konghq.com/plugins',
  kongHostHeader: 'konghq.com/host-header',
  kongServiceUpstream: 'ingress.kubernetes.io/service-upstream',
  kongCredential: 'konghq.com/credential',
  ingressClass: 'kubernetes.io/ingress.class',
} as const;
