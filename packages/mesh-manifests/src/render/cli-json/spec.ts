/**
 * The specs of the model's App Mesh objects (CRD spelling) as the App Mesh API takes them, typed by
 * `@aws-sdk/client-app-mesh`. The two differ in more than spelling: the API's one-of members are
 * tagged unions (`certificate: { file }`), a reference is the target's AWS name rather than an
 * object ref, a router's routes are objects of their own, and selectors do not exist. Whatever the
 * API cannot say is an error here, never silently dropped.
 */
import type {
  AccessLog,
  ClientPolicy,
  ClientTlsCertificate,
  Duration,
  GatewayRouteSpec,
  GatewayRouteTarget,
  GrpcRoute,
  HeaderMatchMethod,
  HealthCheckPolicy,
  HttpGatewayRoute,
  HttpRoute,
  Listener,
  ListenerTimeout,
  ListenerTls,
  ListenerTlsCertificate,
  ListenerTlsValidationContextTrust,
  Logging,
  MeshSpec,
  OutlierDetection,
  RouteSpec,
  ServiceDiscovery,
  SubjectAlternativeNames,
  TcpRoute,
  TlsValidationContextTrust,
  VirtualGatewayClientPolicy,
  VirtualGatewayClientTlsCertificate,
  VirtualGatewayConnectionPool,
  VirtualGatewayListener,
  VirtualGatewayListenerTlsCertificate,
  VirtualGatewayListenerTlsValidationContextTrust,
  VirtualGatewaySpec,
  VirtualGatewayTlsValidationContextTrust,
  VirtualNodeConnectionPool,
  VirtualNodeSpec,
  VirtualRouterSpec,
  VirtualServiceSpec,
  WeightedTarget,
} from '@aws-sdk/client-app-mesh';
import type * as crd from '../../model/appmesh.js';

/** Turns a reference in the model into the AWS name of the object it points at. */
export interface NameResolver {
  virtualNode(ref: { virtualNodeRef?: crd.ObjectRef; virtualNodeARN?: string }): string;
  virtualService(ref: { virtualServiceRef?: crd.ObjectRef; virtualServiceARN?: string }): string;
  virtualRouter(ref: { virtualRouterRef?: crd.ObjectRef; virtualRouterARN?: string }): string;
}

export class UnsupportedSpecError extends Error {
  override name = 'UnsupportedSpecError';
}

function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function duration(d: crd.Duration): Duration {
  return { unit: d.unit, value: d.value };
}

function optionalDuration(d: crd.Duration | undefined): Duration | undefined {
  return d ? duration(d) : undefined;
}

function sans(s: crd.SubjectAlternativeNames | undefined): SubjectAlternativeNames | undefined {
  return s ? { match: { exact: [...s.match.exact] } } : undefined;
}

function headerMatch(m: crd.HeaderMatchMethod | undefined, where: string): HeaderMatchMethod | undefined {
  if (!m) return undefined;
  const set = Object.entries(m).filter(([, v]) => v !== undefined);
  if (set.length !== 1) throw new UnsupportedSpecError(`${where}: a header match needs exactly one of exact, prefix, suffix, regex, range`);
  if (m.exact !== undefined) return { exact: m.exact };
  if (m.prefix !== undefined) return { prefix: m.prefix };
  if (m.suffix !== undefined) return { suffix: m.suffix };
  if (m.regex !== undefined) return { regex: m.regex };
  return { range: { start: m.range!.start, end: m.range!.end } };
}

function healthCheck(h: crd.HealthCheckPolicy): HealthCheckPolicy {
  return defined({
    healthyThreshold: h.healthyThreshold,
    intervalMillis: h.intervalMillis,
    path: h.path,
    port: h.port,
    protocol: h.protocol,
    timeoutMillis: h.timeoutMillis,
    unhealthyThreshold: h.unhealthyThreshold,
  });
}

function outlierDetection(o: crd.OutlierDetection): OutlierDetection {
  return {
    maxServerErrors: o.maxServerErrors,
    interval: duration(o.interval),
    baseEjectionDuration: duration(o.baseEjectionDuration),
    maxEjectionPercent: o.maxEjectionPercent,
  };
}

function one<T>(where: string, options: Record<string, T | undefined>): [string, T] {
  const set = Object.entries(options).filter((entry): entry is [string, T] => entry[1] !== undefined);
  if (set.length !== 1) throw new UnsupportedSpecError(`${where}: exactly one of ${Object.keys(options).join(', ')} must be set (found ${set.length})`);
  return set[0]!;
}

function nodeConnectionPool(pool: crd.ConnectionPool, where: string): VirtualNodeConnectionPool {
  const [kind] = one(`${where} connectionPool`, { tcp: pool.tcp, http: pool.http, http2: pool.http2, grpc: pool.grpc });
  if (kind === 'tcp') return { tcp: { maxConnections: pool.tcp!.maxConnections } };
  if (kind === 'http') return { http: defined({ maxConnections: pool.http!.maxConnections, maxPendingRequests: pool.http!.maxPendingRequests }) };
  if (kind === 'http2') return { http2: { maxRequests: pool.http2!.maxRequests } };
  return { grpc: { maxRequests: pool.grpc!.maxRequests } };
}

function gatewayConnectionPool(pool: Omit<crd.ConnectionPool, 'tcp'>, where: string): VirtualGatewayConnectionPool {
  const [kind] = one(`${where} connectionPool`, { http: pool.http, http2: pool.http2, grpc: pool.grpc });
  if (kind === 'http') return { http: defined({ maxConnections: pool.http!.maxConnections, maxPendingRequests: pool.http!.maxPendingRequests }) };
  if (kind === 'http2') return { http2: { maxRequests: pool.http2!.maxRequests } };
  return { grpc: { maxRequests: pool.grpc!.maxRequests } };
}

function httpTimeout(t: crd.HttpTimeout) {
  return defined({ perRequest: optionalDuration(t.perRequest), idle: optionalDuration(t.idle) });
}

function listenerTimeout(t: crd.ListenerTimeout, where: string): ListenerTimeout {
  const [kind] = one(`${where} timeout`, { tcp: t.tcp, http: t.http, http2: t.http2, grpc: t.grpc });
  if (kind === 'tcp') return { tcp: defined({ idle: optionalDuration(t.tcp!.idle) }) };
  if (kind === 'http') return { http: httpTimeout(t.http!) };
  if (kind === 'http2') return { http2: httpTimeout(t.http2!) };
  return { grpc: httpTimeout(t.grpc!) };
}

function listenerCertificate(c: crd.ListenerTlsCertificate, where: string): ListenerTlsCertificate & VirtualGatewayListenerTlsCertificate {
  const [kind] = one(`${where} tls.certificate`, { acm: c.acm, file: c.file, sds: c.sds });
  if (kind === 'acm') return { acm: { certificateArn: c.acm!.certificateARN } };
  if (kind === 'file') return { file: { certificateChain: c.file!.certificateChain, privateKey: c.file!.privateKey } };
  return { sds: { secretName: c.sds!.secretName } };
}

function listenerTrust(
  t: { acm?: { certificateAuthorityARNs: string[] }; file?: { certificateChain: string }; sds?: { secretName: string } },
  where: string,
): ListenerTlsValidationContextTrust & VirtualGatewayListenerTlsValidationContextTrust {
  if (t.acm) throw new UnsupportedSpecError(`${where}: a listener cannot validate client certificates against ACM; use file or sds`);
  const [kind] = one(`${where} tls.validation.trust`, { file: t.file, sds: t.sds });
  return kind === 'file' ? { file: { certificateChain: t.file!.certificateChain } } : { sds: { secretName: t.sds!.secretName } };
}

function clientTrust(t: crd.ClientTlsValidation['trust'], where: string): TlsValidationContextTrust & VirtualGatewayTlsValidationContextTrust {
  const [kind] = one(`${where} validation.trust`, { acm: t.acm, file: t.file, sds: t.sds });
  if (kind === 'acm') return { acm: { certificateAuthorityArns: [...t.acm!.certificateAuthorityARNs] } };
  if (kind === 'file') return { file: { certificateChain: t.file!.certificateChain } };
  return { sds: { secretName: t.sds!.secretName } };
}

function clientCertificate(c: NonNullable<NonNullable<crd.ClientPolicy['tls']>['certificate']>, where: string): ClientTlsCertificate & VirtualGatewayClientTlsCertificate {
  const [kind] = one(`${where} certificate`, { file: c.file, sds: c.sds });
  return kind === 'file'
    ? { file: { certificateChain: c.file!.certificateChain, privateKey: c.file!.privateKey } }
    : { sds: { secretName: c.sds!.secretName } };
}

function clientPolicy(p: crd.ClientPolicy, where: string): ClientPolicy & VirtualGatewayClientPolicy {
  if (!p.tls) return {};
  const tls = p.tls;
  return {
    tls: defined({
      enforce: tls.enforce,
      ports: tls.ports ? [...tls.ports] : undefined,
      certificate: tls.certificate ? clientCertificate(tls.certificate, `${where} clientPolicy.tls`) : undefined,
      validation: defined({
        trust: clientTrust(tls.validation.trust, `${where} clientPolicy.tls`),
        subjectAlternativeNames: sans(tls.validation.subjectAlternativeNames),
      }),
    }),
  };
}

function accessLog(log: crd.AccessLog): AccessLog {
  const format = log.file.format;
  let apiFormat;
  if (format) {
    const [kind] = one('accessLog.file.format', { json: format.json, text: format.text });
    apiFormat = kind === 'json' ? { json: format.json!.map((f) => ({ key: f.key, value: f.value })) } : { text: format.text! };
  }
  return { file: defined({ path: log.file.path, format: apiFormat }) };
}

function logging(l: { accessLog?: crd.AccessLog } | undefined): Logging | undefined {
  return l?.accessLog ? { accessLog: accessLog(l.accessLog) } : undefined;
}

export function meshSpec(spec: crd.MeshSpec): MeshSpec {
  return defined({
    egressFilter: spec.egressFilter ? { type: spec.egressFilter.type } : undefined,
    serviceDiscovery: spec.meshServiceDiscovery ? { ipPreference: spec.meshServiceDiscovery.ipPreference } : undefined,
  });
}

function serviceDiscovery(sd: crd.ServiceDiscovery, where: string): ServiceDiscovery {
  const [kind] = one(`${where} serviceDiscovery`, { dns: sd.dns, awsCloudMap: sd.awsCloudMap });
  if (kind === 'dns') return { dns: defined({ hostname: sd.dns!.hostname, responseType: sd.dns!.responseType }) };
  const cm = sd.awsCloudMap!;
  return {
    awsCloudMap: defined({
      namespaceName: cm.namespaceName,
      serviceName: cm.serviceName,
      attributes: cm.attributes?.map((a) => ({ key: a.key, value: a.value })),
    }),
  };
}

function nodeListener(l: crd.VirtualNodeListener, where: string): Listener {
  const tls: ListenerTls | undefined = l.tls
    ? defined({
        mode: l.tls.mode,
        certificate: listenerCertificate(l.tls.certificate, where),
        validation: l.tls.validation
          ? defined({ trust: listenerTrust(l.tls.validation.trust, where), subjectAlternativeNames: sans(l.tls.validation.subjectAlternativeNames) })
          : undefined,
      })
    : undefined;
  return defined({
    portMapping: { port: l.portMapping.port, protocol: l.portMapping.protocol },
    healthCheck: l.healthCheck ? healthCheck(l.healthCheck) : undefined,
    outlierDetection: l.outlierDetection ? outlierDetection(l.outlierDetection) : undefined,
    connectionPool: l.connectionPool ? nodeConnectionPool(l.connectionPool, where) : undefined,
    tls,
    timeout: l.timeout ? listenerTimeout(l.timeout, where) : undefined,
  });
}

export function virtualNodeSpec(spec: crd.VirtualNodeSpec, names: NameResolver, where: string): VirtualNodeSpec {
  if (spec.backendGroups?.length) {
    throw new UnsupportedSpecError(`${where}: backendGroups exist only in the Kubernetes controller; list the virtual services as backends`);
  }
  return defined({
    listeners: spec.listeners?.map((l) => nodeListener(l, where)),
    serviceDiscovery: spec.serviceDiscovery ? serviceDiscovery(spec.serviceDiscovery, where) : undefined,
    backends: spec.backends?.map((b) => ({
      virtualService: defined({
        virtualServiceName: names.virtualService(b.virtualService),
        clientPolicy: b.virtualService.clientPolicy ? clientPolicy(b.virtualService.clientPolicy, `${where} backend`) : undefined,
      }),
    })),
    backendDefaults: spec.backendDefaults?.clientPolicy ? { clientPolicy: clientPolicy(spec.backendDefaults.clientPolicy, `${where} backendDefaults`) } : undefined,
    logging: logging(spec.logging),
  });
}

export function virtualServiceSpec(spec: crd.VirtualServiceSpec, names: NameResolver, where: string): VirtualServiceSpec {
  const provider = spec.provider;
  if (!provider) return {};
  const [kind] = one(`${where} provider`, { virtualNode: provider.virtualNode, virtualRouter: provider.virtualRouter });
  return kind === 'virtualNode'
    ? { provider: { virtualNode: { virtualNodeName: names.virtualNode(provider.virtualNode!) } } }
    : { provider: { virtualRouter: { virtualRouterName: names.virtualRouter(provider.virtualRouter!) } } };
}

export function virtualRouterSpec(spec: crd.VirtualRouterSpec): VirtualRouterSpec {
  return { listeners: spec.listeners.map((l) => ({ portMapping: { port: l.portMapping.port, protocol: l.portMapping.protocol } })) };
}

function weighted(targets: readonly crd.WeightedTarget[], names: NameResolver): WeightedTarget[] {
  return targets.map((t) => defined({ virtualNode: names.virtualNode(t), weight: t.weight, port: t.port }));
}

function httpRoute(r: crd.HttpRoute, names: NameResolver, where: string): HttpRoute {
  const m = r.match;
  return defined({
    match: defined({
      prefix: m.prefix,
      path: m.path ? defined({ exact: m.path.exact, regex: m.path.regex }) : undefined,
      headers: m.headers?.map((h) => defined({ name: h.name, invert: h.invert, match: headerMatch(h.match, `${where} header ${h.name}`) })),
      method: m.method,
      scheme: m.scheme,
      queryParameters: m.queryParameters?.map((q) => defined({ name: q.name, match: q.match ? { exact: q.match.exact } : undefined })),
      port: m.port,
    }),
    action: { weightedTargets: weighted(r.action.weightedTargets, names) },
    retryPolicy: r.retryPolicy
      ? defined({
          maxRetries: r.retryPolicy.maxRetries,
          perRetryTimeout: duration(r.retryPolicy.perRetryTimeout),
          httpRetryEvents: r.retryPolicy.httpRetryEvents ? [...r.retryPolicy.httpRetryEvents] : undefined,
          tcpRetryEvents: r.retryPolicy.tcpRetryEvents ? [...r.retryPolicy.tcpRetryEvents] : undefined,
        })
      : undefined,
    timeout: r.timeout ? httpTimeout(r.timeout) : undefined,
  });
}

function grpcRoute(r: crd.GrpcRoute, names: NameResolver, where: string): GrpcRoute {
  const p = r.retryPolicy;
  return defined({
    match: defined({
      serviceName: r.match.serviceName,
      methodName: r.match.methodName,
      metadata: r.match.metadata?.map((md) => defined({ name: md.name, invert: md.invert, match: headerMatch(md.match, `${where} metadata ${md.name}`) })),
      port: r.match.port,
    }),
    action: { weightedTargets: weighted(r.action.weightedTargets, names) },
    retryPolicy: p
      ? defined({
          maxRetries: p.maxRetries,
          perRetryTimeout: duration(p.perRetryTimeout),
          grpcRetryEvents: p.grpcRetryEvents ? [...p.grpcRetryEvents] : undefined,
          httpRetryEvents: p.httpRetryEvents ? [...p.httpRetryEvents] : undefined,
          tcpRetryEvents: p.tcpRetryEvents ? [...p.tcpRetryEvents] : undefined,
        })
      : undefined,
    timeout: r.timeout ? httpTimeout(r.timeout) : undefined,
  });
}

function tcpRoute(r: crd.TcpRoute, names: NameResolver): TcpRoute {
  return defined({
    match: r.match ? defined({ port: r.match.port }) : undefined,
    action: { weightedTargets: weighted(r.action.weightedTargets, names) },
    timeout: r.timeout ? defined({ idle: optionalDuration(r.timeout.idle) }) : undefined,
  });
}

export function routeSpec(route: crd.Route, names: NameResolver, where: string): RouteSpec {
  one(`${where} route ${route.name}`, { httpRoute: route.httpRoute, http2Route: route.http2Route, grpcRoute: route.grpcRoute, tcpRoute: route.tcpRoute });
  return defined({
    priority: route.priority,
    httpRoute: route.httpRoute ? httpRoute(route.httpRoute, names, where) : undefined,
    http2Route: route.http2Route ? httpRoute(route.http2Route, names, where) : undefined,
    grpcRoute: route.grpcRoute ? grpcRoute(route.grpcRoute, names, where) : undefined,
    tcpRoute: route.tcpRoute ? tcpRoute(route.tcpRoute, names) : undefined,
  });
}

function gatewayListener(l: crd.VirtualGatewayListener, where: string): VirtualGatewayListener {
  const hc = l.healthCheck;
  return defined({
    portMapping: { port: l.portMapping.port, protocol: l.portMapping.protocol },
    healthCheck: hc
      ? defined({
          // The API requires what the CRD leaves optional; 2 is the API's own lower bound and the CRD's default.
          healthyThreshold: hc.healthyThreshold ?? 2,
          intervalMillis: hc.intervalMillis,
          path: hc.path,
          port: hc.port,
          protocol: hc.protocol,
          timeoutMillis: hc.timeoutMillis,
          unhealthyThreshold: hc.unhealthyThreshold,
        })
      : undefined,
    connectionPool: l.connectionPool ? gatewayConnectionPool(l.connectionPool, where) : undefined,
    tls: l.tls
      ? defined({
          mode: l.tls.mode,
          certificate: listenerCertificate(l.tls.certificate, where),
          validation: l.tls.validation
            ? defined({ trust: listenerTrust(l.tls.validation.trust, where), subjectAlternativeNames: sans(l.tls.validation.subjectAlternativeNames) })
            : undefined,
        })
      : undefined,
  });
}

export function virtualGatewaySpec(spec: crd.VirtualGatewaySpec, where: string): VirtualGatewaySpec {
  return defined({
    listeners: spec.listeners.map((l) => gatewayListener(l, where)),
    backendDefaults: spec.backendDefaults?.clientPolicy ? { clientPolicy: clientPolicy(spec.backendDefaults.clientPolicy, `${where} backendDefaults`) } : undefined,
    logging: logging(spec.logging),
  });
}

function gatewayTarget(t: crd.GatewayRouteTarget, names: NameResolver): GatewayRouteTarget {
  return defined({ virtualService: { virtualServiceName: names.virtualService(t.virtualService) }, port: t.port });
}

function gatewayHttpRoute(r: crd.GatewayHttpRoute, names: NameResolver, where: string): HttpGatewayRoute {
  const m = r.match;
  const rw = r.action.rewrite;
  return {
    match: defined({
      prefix: m.prefix,
      path: m.path ? defined({ exact: m.path.exact, regex: m.path.regex }) : undefined,
      queryParameters: m.queryParameters?.map((q) => defined({ name: q.name, match: q.match ? { exact: q.match.exact } : undefined })),
      method: m.method,
      hostname: m.hostname ? defined({ exact: m.hostname.exact, suffix: m.hostname.suffix }) : undefined,
      headers: m.headers?.map((h) => defined({ name: h.name, invert: h.invert, match: headerMatch(h.match, `${where} header ${h.name}`) })),
      port: m.port,
    }),
    action: defined({
      target: gatewayTarget(r.action.target, names),
      rewrite: rw
        ? defined({
            prefix: rw.prefix ? defined({ defaultPrefix: rw.prefix.defaultPrefix, value: rw.prefix.value }) : undefined,
            path: rw.path ? { exact: rw.path.exact } : undefined,
            hostname: rw.hostname ? { defaultTargetHostname: rw.hostname.defaultTargetHostname } : undefined,
          })
        : undefined,
    }),
  };
}

export function gatewayRouteSpec(spec: crd.GatewayRouteSpec, names: NameResolver, where: string): GatewayRouteSpec {
  one(where, { httpRoute: spec.httpRoute, http2Route: spec.http2Route, grpcRoute: spec.grpcRoute });
  const grpc = spec.grpcRoute;
  return defined({
    priority: spec.priority,
    httpRoute: spec.httpRoute ? gatewayHttpRoute(spec.httpRoute, names, where) : undefined,
    http2Route: spec.http2Route ? gatewayHttpRoute(spec.http2Route, names, where) : undefined,
    grpcRoute: grpc
      ? {
          match: defined({
            serviceName: grpc.match.serviceName,
            hostname: grpc.match.hostname ? defined({ exact: grpc.match.hostname.exact, suffix: grpc.match.hostname.suffix }) : undefined,
            port: grpc.match.port,
          }),
          action: defined({
            target: gatewayTarget(grpc.action.target, names),
            rewrite: grpc.action.rewrite?.hostname ? { hostname: { defaultTargetHostname: grpc.action.rewrite.hostname.defaultTargetHostname } } : undefined,
          }),
        }
      : undefined,
  });
}
