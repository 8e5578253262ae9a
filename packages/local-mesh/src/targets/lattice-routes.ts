/**
 * A Lattice service's listener rules, from its HTTPRoute, as the AWS Gateway API Controller v2.1.3
 * builds them: rules in file order get priorities 1, 2, … and Lattice takes the first that matches
 * (a rule without matches matches every path); one match per rule, Exact or PathPrefix paths, up
 * to five Exact header matches (Lattice compares their values without regard to case), a method;
 * anything else the controller rejects, and the local mesh refuses it the same way. Filters,
 * timeouts and retries the controller never reads are ignored here too. Each backendRef is a
 * target group: the Service's pods, with the TargetGroupPolicy's health check.
 */
import type { ClusterSettings, HealthCheckSettings } from '../proxy/cluster.js';
import type { HeaderCondition, Route, RouteMatch } from '../proxy/routing.js';
import { ResolveError } from '../control-plane/resolve.js';
import { groupOf, list, named, obj, spec, text, type LatticeService } from './lattice-network.js';
import type { Sourced } from './rendered-files.js';
import type { TargetWorld } from './target-world.js';

/**
 * Lattice has no request timeout a route can configure (the controller ignores the HTTPRoute's
 * `timeouts`), so the local proxy sets none either: a request waits as long as the caller's own
 * client lets it, as it would on Lattice. (App Mesh's 15 s default would replay the old mesh.)
 */
export const LATTICE_ROUTE_TIMEOUT_MS = 0;

const CONTROLLER = 'the AWS Gateway API Controller v2.1.3';
const MAX_HEADER_MATCHES = 5;
const RULE_PRIORITY = /^application-networking\.k8s\.aws\/rule-\d+-priority$/;

/** The controller's own defaults for an HTTP1 target group (Lattice's documented health check defaults). */
const DEFAULT_HEALTH = { path: '/', intervalSeconds: 30, timeoutSeconds: 5, healthyThresholdCount: 5, unhealthyThresholdCount: 2, statusMatch: '200' };

export interface ServiceRoutes {
  routes: Route[];
  clusters: ClusterSettings[];
}

function refuse(route: Sourced, where: string, what: string, fix: string): never {
  throw new ResolveError(`${route.file}: ${named(route)} ${where} ${what}: ${fix}`);
}

function ruleMatch(route: Sourced, rule: Record<string, unknown>, at: string): RouteMatch {
  const matches = list(rule.matches);
  // LATTICE_NO_SUPPORT_FOR_MULTIPLE_MATCHES
  if (matches.length > 1) refuse(route, at, `has ${matches.length} matches, which ${CONTROLLER} rejects (one match per rule)`, 'split it into one rule per match');
  if (matches.length === 0) return { prefix: '/' };
  const match = obj(matches[0]);
  const where = `${at}.matches[0]`;
  if (match.queryParams !== undefined) refuse(route, where, `matches queryParams, which ${CONTROLLER} rejects (LATTICE_UNSUPPORTED_MATCH_TYPE)`, 'match on an exact header instead');
  const out: RouteMatch = {};
  if (match.path !== undefined) {
    const path = obj(match.path);
    const type = text(path.type) ?? 'PathPrefix';
    const value = text(path.value) ?? '/';
    if (type === 'Exact') out.path = { exact: value };
    else if (type === 'PathPrefix') out.prefix = value;
    else refuse(route, `${where}.path`, `is a ${type} match, which ${CONTROLLER} rejects (LATTICE_UNSUPPORTED_PATH_MATCH_TYPE)`, 'use Exact or PathPrefix');
  } else {
    out.prefix = '/';
  }
  const headers = list(match.headers);
  if (headers.length > MAX_HEADER_MATCHES) refuse(route, where, `has ${headers.length} header matches; ${CONTROLLER} takes at most ${MAX_HEADER_MATCHES} (LATTICE_EXCEED_MAX_HEADER_MATCHES)`, 'drop some, or split the rule');
  if (headers.length > 0) {
    out.headers = headers.map((value, i): HeaderCondition => {
      const header = obj(value);
      const type = text(header.type) ?? 'Exact';
      if (type !== 'Exact') refuse(route, `${where}.headers[${i}]`, `is a ${type} match, which ${CONTROLLER} rejects (LATTICE_UNSUPPORTED_HEADER_MATCH_TYPE)`, 'match the exact values you expect');
      return { name: text(header.name) ?? '', match: { exact: text(header.value) ?? '', ignoreCase: true } };
    });
  }
  const method = text(match.method);
  if (method) out.method = method;
  return out;
}

/** Lattice's target group for a backend: the Service's pods, as the controller registers them. */
function targetGroup(world: TargetWorld, route: Sourced, value: unknown, at: string): { cluster: ClusterSettings; weight: number } {
  const ref = obj(value);
  const kind = text(ref.kind) ?? 'Service';
  if (kind !== 'Service' || (text(ref.group) ?? '') !== '') {
    refuse(route, at, `sends to a ${text(ref.group) ? `${text(ref.group)}/` : ''}${kind}; the local mesh runs Service backends only (a ServiceImport's target groups live in another account's controller)`, 'name the Service');
  }
  const name = text(ref.name) ?? '';
  const ns = text(ref.namespace) ?? route.object.metadata.namespace;
  const service = world.get('Service', route.cluster, ns, name);
  if (!service) refuse(route, at, `sends to Service ${ns ?? ''}/${name}, which does not exist in cluster ${route.cluster}`, 'create the Service or fix the backendRef');
  const ports = list(spec(service).ports).map((p) => obj(p).port);
  if (typeof ref.port !== 'number' || !ports.includes(ref.port)) {
    refuse(route, at, `names port ${String(ref.port)} of Service ${ns ?? ''}/${name}, whose ports are ${ports.join(', ') || 'none'}`, 'use one of the Service ports');
  }
  const weight = ref.weight === undefined ? 1 : ref.weight;
  if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0) refuse(route, at, `has weight ${JSON.stringify(weight)}`, 'use a whole number from 0');
  const cluster: ClusterSettings = {
    name: `lattice_tg_${route.cluster}_${ns ?? 'default'}_${name}_${ref.port}`,
    // A target group is named after its Service in the Lattice console too.
    label: `${name}:${ref.port}`,
    endpoints: world
      .podsOf(service)
      .filter((pod) => pod.ports.ingress !== undefined)
      .map((pod) => ({ host: '127.0.0.1', port: pod.ports.ingress!, id: pod.podName })),
  };
  const health = healthCheck(world, service);
  if (health) cluster.healthCheck = health;
  return { cluster, weight };
}

/** The target group's health check: the TargetGroupPolicy's, filled in with the controller's defaults. */
function healthCheck(world: TargetWorld, service: Sourced): HealthCheckSettings | undefined {
  const policy = world.all('TargetGroupPolicy', service.cluster).find((p) => {
    if (groupOf(p) !== 'application-networking.k8s.aws') return false;
    const ref = obj(spec(p).targetRef);
    return text(ref.kind) === 'Service' && ref.name === service.object.metadata.name && (text(ref.namespace) ?? p.object.metadata.namespace) === service.object.metadata.namespace;
  });
  const s = policy ? spec(policy) : {};
  const fix = (what: string, fixIt: string): never => {
    throw new ResolveError(`${policy!.file}: ${named(policy!)} ${what}; the local mesh runs HTTP/1.1 target groups only: ${fixIt}`);
  };
  if ((text(s.protocol) ?? 'HTTP') !== 'HTTP') fix(`sets protocol ${String(s.protocol)}`, 'use protocol HTTP');
  if ((text(s.protocolVersion) ?? 'HTTP1') !== 'HTTP1') fix(`sets protocolVersion ${String(s.protocolVersion)}`, 'use protocolVersion HTTP1');
  const hc = { ...DEFAULT_HEALTH, ...obj(s.healthCheck) } as Record<string, unknown>;
  if (hc.enabled === false) return undefined;
  if ((text(hc.protocol) ?? 'HTTP') !== 'HTTP' || (text(hc.protocolVersion) ?? 'HTTP1') !== 'HTTP1') fix('health-checks over another protocol than HTTP/1.1', 'use protocol HTTP, protocolVersion HTTP1');
  if (hc.port !== undefined) fix('health-checks another port than the traffic port', 'drop healthCheck.port');
  // The local health check expects 200, which is also Lattice's default matcher.
  if (String(hc.statusMatch) !== '200') fix(`expects status ${String(hc.statusMatch)} from its health check`, 'use statusMatch "200"');
  return {
    protocol: 'http',
    path: String(hc.path),
    intervalMs: Number(hc.intervalSeconds) * 1000,
    timeoutMs: Number(hc.timeoutSeconds) * 1000,
    healthyThreshold: Number(hc.healthyThresholdCount),
    unhealthyThreshold: Number(hc.unhealthyThresholdCount),
  };
}

/** The listener rules of a Lattice service, in priority order, and its target groups. */
export function serviceRoutes(world: TargetWorld, service: LatticeService): ServiceRoutes {
  const route = service.route;
  const annotation = Object.keys(route.object.metadata.annotations ?? {}).find((a) => RULE_PRIORITY.test(a));
  if (annotation) refuse(route, 'has annotation', `${annotation}; the local mesh orders rules by their place in the file only`, 'remove the annotation and order the rules in the file');
  const clusters = new Map<string, ClusterSettings>();
  const routes = list(spec(route).rules).map((value, i): Route => {
    const rule = obj(value);
    const at = `spec.rules[${i}]`;
    const match = ruleMatch(route, rule, at);
    const backends = list(rule.backendRefs).map((ref, j) => targetGroup(world, route, ref, `${at}.backendRefs[${j}]`));
    for (const { cluster } of backends) clusters.set(cluster.name, cluster);
    const base = { name: `${service.name}_rule-${i + 1}`, match, timeoutMs: LATTICE_ROUTE_TIMEOUT_MS };
    if (backends.length === 0) {
      // The Gateway API's answer for a rule that sends nowhere.
      return { ...base, clusters: [], deny: { status: 500, body: `local mesh: ${named(route)} ${at} has no backendRefs\n` } };
    }
    return { ...base, clusters: backends.map(({ cluster, weight }) => ({ cluster: cluster.name, weight })) };
  });
  return { routes, clusters: [...clusters.values()] };
}
