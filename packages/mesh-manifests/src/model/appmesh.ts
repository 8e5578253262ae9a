/**
 * The App Mesh resources in the shape of the `appmesh.k8s.aws/v1beta2` CRDs: the same field names
 * (`certificateARN`, `virtualServiceRef`, `weightedTargets[].virtualNodeRef`…) and the same nesting,
 * so a definition is exactly what `kubectl apply` receives and what the local mesh runs. Fields the
 * controller's webhook fills in (`meshRef`, a GatewayRoute's `virtualGatewayRef`) are left out: a
 * definition never sets them.
 */

export const APPMESH_API_VERSION = 'appmesh.k8s.aws/v1beta2';

export interface ObjectMeta {
  name: string;
  /** Absent for the cluster-scoped Mesh, and for the resources of an ECS walkthrough (no namespaces there). */
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

/** Kubernetes label selector. For App Mesh: absent selects nothing, `{}` selects everything. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface Duration {
  unit: 's' | 'ms';
  value: number;
}

export type PortProtocol = 'grpc' | 'http' | 'http2' | 'tcp';

export interface PortMapping {
  port: number;
  protocol: PortProtocol;
}

export interface ObjectRef {
  name: string;
  namespace?: string;
}

// ---------------------------------------------------------------------------------------------
// Mesh

export interface MeshSpec {
  awsName?: string;
  namespaceSelector?: LabelSelector;
  egressFilter?: { type: 'ALLOW_ALL' | 'DROP_ALL' };
  /** Account that owns the mesh, when it is not the cluster's own account (a mesh shared with AWS RAM). */
  meshOwner?: string;
  meshServiceDiscovery?: { ipPreference: 'IPv6_ONLY' | 'IPv4_ONLY' };
}

export interface Mesh {
  apiVersion: typeof APPMESH_API_VERSION;
  kind: 'Mesh';
  metadata: ObjectMeta;
  spec: MeshSpec;
}

// ---------------------------------------------------------------------------------------------
// TLS

export interface FileCertificate {
  certificateChain: string;
  privateKey: string;
}

export interface ListenerTlsCertificate {
  acm?: { certificateARN: string };
  file?: FileCertificate;
  sds?: { secretName: string };
}

export interface SubjectAlternativeNames {
  match: { exact: string[] };
}

export interface ListenerTlsValidation {
  trust: { file?: { certificateChain: string }; sds?: { secretName: string } };
  subjectAlternativeNames?: SubjectAlternativeNames;
}

export interface ListenerTls {
  mode: 'STRICT' | 'PERMISSIVE' | 'DISABLED';
  certificate: ListenerTlsCertificate;
  validation?: ListenerTlsValidation;
}

export interface ClientTlsValidation {
  trust: {
    acm?: { certificateAuthorityARNs: string[] };
    file?: { certificateChain: string };
    sds?: { secretName: string };
  };
  subjectAlternativeNames?: SubjectAlternativeNames;
}

export interface ClientPolicy {
  tls?: {
    enforce?: boolean;
    ports?: number[];
    /** The client certificate, for mutual TLS. */
    certificate?: { file?: FileCertificate; sds?: { secretName: string } };
    validation: ClientTlsValidation;
  };
}

// ---------------------------------------------------------------------------------------------
// Shared listener parts

export interface HealthCheckPolicy {
  healthyThreshold: number;
  intervalMillis: number;
  path?: string;
  port?: number;
  protocol: PortProtocol;
  timeoutMillis: number;
  unhealthyThreshold: number;
}

export interface OutlierDetection {
  maxServerErrors: number;
  interval: Duration;
  baseEjectionDuration: Duration;
  maxEjectionPercent: number;
}

export interface ConnectionPool {
  tcp?: { maxConnections: number };
  http?: { maxConnections: number; maxPendingRequests?: number };
  http2?: { maxRequests: number };
  grpc?: { maxRequests: number };
}

export interface HttpTimeout {
  perRequest?: Duration;
  idle?: Duration;
}

export interface ListenerTimeout {
  tcp?: { idle?: Duration };
  http?: HttpTimeout;
  http2?: HttpTimeout;
  grpc?: HttpTimeout;
}

export interface AccessLog {
  file: {
    path: string;
    format?: { json?: { key: string; value: string }[]; text?: string };
  };
}

// ---------------------------------------------------------------------------------------------
// VirtualNode

export interface VirtualNodeListener {
  portMapping: PortMapping;
  healthCheck?: HealthCheckPolicy;
  outlierDetection?: OutlierDetection;
  connectionPool?: ConnectionPool;
  tls?: ListenerTls;
  timeout?: ListenerTimeout;
}

export interface VirtualServiceBackend {
  virtualService: {
    /** A virtual service in this cluster. */
    virtualServiceRef?: ObjectRef;
    /** A virtual service anywhere in the mesh, e.g. one another account created in a shared mesh. */
    virtualServiceARN?: string;
    clientPolicy?: ClientPolicy;
  };
}

export interface ServiceDiscovery {
  dns?: { hostname: string; responseType?: 'ENDPOINTS' | 'LOADBALANCER' };
  awsCloudMap?: {
    namespaceName: string;
    serviceName: string;
    attributes?: { key: string; value: string }[];
  };
}

export interface VirtualNodeSpec {
  awsName?: string;
  podSelector?: LabelSelector;
  listeners?: VirtualNodeListener[];
  serviceDiscovery?: ServiceDiscovery;
  backends?: VirtualServiceBackend[];
  backendGroups?: ObjectRef[];
  backendDefaults?: { clientPolicy?: ClientPolicy };
  logging?: { accessLog?: AccessLog };
}

export interface VirtualNode {
  apiVersion: typeof APPMESH_API_VERSION;
  kind: 'VirtualNode';
  metadata: ObjectMeta;
  spec: VirtualNodeSpec;
}

// ---------------------------------------------------------------------------------------------
// VirtualService

export interface VirtualServiceSpec {
  /** The hostname clients call. Defaults to `<name>.<namespace>` on EKS: set it to what clients really use. */
  awsName?: string;
  provider?: {
    virtualNode?: { virtualNodeRef?: ObjectRef; virtualNodeARN?: string };
    virtualRouter?: { virtualRouterRef?: ObjectRef; virtualRouterARN?: string };
  };
}

export interface VirtualService {
  apiVersion: typeof APPMESH_API_VERSION;
  kind: 'VirtualService';
  metadata: ObjectMeta;
  spec: VirtualServiceSpec;
}

// ---------------------------------------------------------------------------------------------
// VirtualRouter and its routes

export interface HeaderMatchMethod {
  exact?: string;
  prefix?: string;
  suffix?: string;
  regex?: string;
  range?: { start: number; end: number };
}

export interface HeaderMatch {
  name: string;
  /** Absent: the route matches when the header is present, whatever its value. */
  match?: HeaderMatchMethod;
  invert?: boolean;
}

export type HttpMethod = 'CONNECT' | 'DELETE' | 'GET' | 'HEAD' | 'OPTIONS' | 'PATCH' | 'POST' | 'PUT' | 'TRACE';

export interface QueryParameterMatch {
  name: string;
  match?: { exact: string };
}

export interface HttpRouteMatch {
  prefix?: string;
  path?: { exact?: string; regex?: string };
  headers?: HeaderMatch[];
  method?: HttpMethod;
  scheme?: 'http' | 'https';
  queryParameters?: QueryParameterMatch[];
  port?: number;
}

export interface WeightedTarget {
  virtualNodeRef?: ObjectRef;
  virtualNodeARN?: string;
  weight: number;
  port?: number;
}

export type HttpRetryEvent = 'server-error' | 'gateway-error' | 'client-error' | 'stream-error';

export interface HttpRetryPolicy {
  maxRetries: number;
  perRetryTimeout: Duration;
  httpRetryEvents?: HttpRetryEvent[];
  tcpRetryEvents?: 'connection-error'[];
}

export interface HttpRoute {
  match: HttpRouteMatch;
  action: { weightedTargets: WeightedTarget[] };
  retryPolicy?: HttpRetryPolicy;
  timeout?: HttpTimeout;
}

export interface TcpRoute {
  match?: { port?: number };
  action: { weightedTargets: WeightedTarget[] };
  timeout?: { idle?: Duration };
}

export interface GrpcRoute {
  match: {
    serviceName?: string;
    methodName?: string;
    metadata?: { name: string; match?: HeaderMatchMethod; invert?: boolean }[];
    port?: number;
  };
  action: { weightedTargets: WeightedTarget[] };
  retryPolicy?: HttpRetryPolicy & {
    grpcRetryEvents?: ('cancelled' | 'deadline-exceeded' | 'internal' | 'resource-exhausted' | 'unavailable')[];
  };
  timeout?: HttpTimeout;
}

export interface Route {
  name: string;
  /** 0 is matched first, 1000 last; routes without a priority come after all that have one. */
  priority?: number;
  httpRoute?: HttpRoute;
  http2Route?: HttpRoute;
  grpcRoute?: GrpcRoute;
  tcpRoute?: TcpRoute;
}

export interface VirtualRouterSpec {
  awsName?: string;
  listeners: { portMapping: PortMapping }[];
  routes?: Route[];
}

export interface VirtualRouter {
  apiVersion: typeof APPMESH_API_VERSION;
  kind: 'VirtualRouter';
  metadata: ObjectMeta;
  spec: VirtualRouterSpec;
}

// ---------------------------------------------------------------------------------------------
// VirtualGateway and GatewayRoute

export interface VirtualGatewayListener {
  portMapping: { port: number; protocol: 'grpc' | 'http' | 'http2' };
  healthCheck?: Omit<HealthCheckPolicy, 'protocol' | 'healthyThreshold'> & {
    protocol: 'grpc' | 'http' | 'http2';
    healthyThreshold?: number;
  };
  connectionPool?: Omit<ConnectionPool, 'tcp'>;
  tls?: {
    mode: 'STRICT' | 'PERMISSIVE' | 'DISABLED';
    certificate: ListenerTlsCertificate;
    validation?: ClientTlsValidation;
  };
}

export interface VirtualGatewaySpec {
  awsName?: string;
  /** Namespaces whose GatewayRoutes attach to this gateway (EKS). */
  namespaceSelector?: LabelSelector;
  /** The gateway's own Envoy pods (EKS). */
  podSelector?: LabelSelector;
  /** A label subset of GatewayRoutes; absent = every route in the selected namespaces. */
  gatewayRouteSelector?: LabelSelector;
  listeners: VirtualGatewayListener[];
  logging?: { accessLog?: AccessLog };
  backendDefaults?: { clientPolicy?: ClientPolicy };
}

export interface VirtualGateway {
  apiVersion: typeof APPMESH_API_VERSION;
  kind: 'VirtualGateway';
  metadata: ObjectMeta;
  spec: VirtualGatewaySpec;
}

export interface GatewayRouteTarget {
  virtualService: { virtualServiceRef?: ObjectRef; virtualServiceARN?: string };
  port?: number;
}

export interface GatewayHttpRoute {
  match: {
    prefix?: string;
    path?: { exact?: string; regex?: string };
    queryParameters?: QueryParameterMatch[];
    method?: HttpMethod;
    hostname?: { exact?: string; suffix?: string };
    headers?: HeaderMatch[];
    port?: number;
  };
  action: {
    target: GatewayRouteTarget;
    /** Absent: the matched prefix is rewritten to `/` and Host to the target's hostname. */
    rewrite?: {
      prefix?: { defaultPrefix?: 'ENABLED' | 'DISABLED'; value?: string };
      path?: { exact: string };
      hostname?: { defaultTargetHostname: 'ENABLED' | 'DISABLED' };
    };
  };
}

export interface GatewayRouteSpec {
  awsName?: string;
  priority?: number;
  httpRoute?: GatewayHttpRoute;
  http2Route?: GatewayHttpRoute;
  grpcRoute?: {
    match: { serviceName?: string; hostname?: { exact?: string; suffix?: string }; port?: number };
    action: { target: GatewayRouteTarget; rewrite?: { hostname?: { defaultTargetHostname: 'ENABLED' | 'DISABLED' } } };
  };
}

export interface GatewayRoute {
  apiVersion: typeof APPMESH_API_VERSION;
  kind: 'GatewayRoute';
  metadata: ObjectMeta;
  spec: GatewayRouteSpec;
}

export type AppMeshResource = Mesh | VirtualNode | VirtualService | VirtualRouter | VirtualGateway | GatewayRoute;
export type AppMeshKind = AppMeshResource['kind'];

export const APPMESH_KINDS: readonly AppMeshKind[] = [
  'Mesh',
  'VirtualNode',
  'VirtualService',
  'VirtualRouter',
  'VirtualGateway',
  'GatewayRoute',
];

export function isAppMeshResource(resource: { kind: string; apiVersion?: string }): resource is AppMeshResource {
  return resource.apiVersion === APPMESH_API_VERSION;
}
