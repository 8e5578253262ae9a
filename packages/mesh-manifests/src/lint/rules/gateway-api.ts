/**
 * Rules for Gateway API routes, and what the AWS Gateway API Controller (VPC Lattice, v2.1) makes
 * of them:
 *
 * - `target-weights`: every backend of a rule weighs 0 (requests get 500s), or a weight is over
 *   Lattice's 999 on a route of a Lattice Gateway.
 * - `missing-backend`: a backendRef to a Service the inputs do not hold.
 * - `lattice-unsupported`: what the controller rejects — more than one match in a rule, a
 *   RegularExpression path or header, a header match other than Exact, more than five header
 *   matches, query parameter matches (the route is then not built at all: the only trace is a
 *   FailedBuildModel event) — or silently ignores: filters (rewrites, header modifiers, redirects)
 *   and timeouts; a route whose Lattice service name (derived from its name, or set by annotation)
 *   Lattice refuses. A warning for more rules than Lattice's default quota per listener (5).
 */
import { asArray, asNumber, asRecord, asString, type Json } from '../access.js';
import { derivedServiceName, isValidServiceName, SERVICE_NAME_OVERRIDE } from '../../render/lattice/names.js';
import { describe, type Entry, type Inventory } from '../inventory.js';
import type { Rule, RuleContext } from './context.js';

const GATEWAY_API = 'gateway.networking.k8s.io/';
const LATTICE_CLASS = 'amazon-vpc-lattice';
const LATTICE_MAX_WEIGHT = 999;
const LATTICE_MAX_HEADERS = 5;
const LATTICE_RULE_QUOTA = 5;

function routes(inventory: Inventory): Entry[] {
  return inventory.ofKind('HTTPRoute').filter((e) => e.apiVersion.startsWith(GATEWAY_API));
}

/** Whether a route attaches to a Gateway of the Lattice class (by a parentRef the inputs resolve). */
function onLattice(inventory: Inventory, route: Entry): boolean {
  return asArray(route.spec.parentRefs).some((p) => {
    const ref = asRecord(p);
    if ((asString(ref.kind) ?? 'Gateway') !== 'Gateway') return false;
    const gateway = inventory.ofKind('Gateway').find((g) => g.apiVersion.startsWith(GATEWAY_API) && g.name === asString(ref.name) && g.namespace === (asString(ref.namespace) ?? route.namespace));
    return asString(gateway?.spec.gatewayClassName) === LATTICE_CLASS;
  });
}

function checkBackends(context: RuleContext, route: Entry, rule: Json, index: number, lattice: boolean): void {
  const refs = asArray(rule.backendRefs).map(asRecord);
  const weights = refs.map((r) => (r.weight === undefined ? 1 : asNumber(r.weight)));
  if (refs.length && weights.every((w) => w === 0)) {
    context.report({
      ruleId: 'target-weights',
      severity: 'error',
      entry: route,
      path: ['spec', 'rules', index, 'backendRefs'],
      message: `every backend of rule ${index + 1} of ${describe(route)} weighs 0, so its requests get 500`,
      fix: 'give at least one backendRef a positive weight (a backendRef without a weight weighs 1)',
    });
  }
  refs.forEach((ref, i) => {
    const weight = asNumber(ref.weight);
    if (lattice && weight !== undefined && weight > LATTICE_MAX_WEIGHT) {
      context.report({
        ruleId: 'target-weights',
        severity: 'error',
        entry: route,
        path: ['spec', 'rules', index, 'backendRefs', i, 'weight'],
        message: `backend ${asString(ref.name)} of ${describe(route)} weighs ${weight}; Lattice’s weighted target groups take 0 to ${LATTICE_MAX_WEIGHT}`,
        fix: `scale the weights down to ${LATTICE_MAX_WEIGHT} or less (weights are relative: 95 and 5 split as 950 and 50 do)`,
      });
    }
    const kind = asString(ref.kind) ?? 'Service';
    const group = asString(ref.group) ?? '';
    if (kind !== 'Service' || group !== '') return;
    const namespace = asString(ref.namespace) ?? route.namespace ?? 'default';
    const name = asString(ref.name);
    if (name && !context.inventory.find('Service', namespace, name)) {
      context.report({
        ruleId: 'missing-backend',
        severity: 'error',
        entry: route,
        path: ['spec', 'rules', index, 'backendRefs', i, 'name'],
        message: `rule ${index + 1} of ${describe(route)} sends to Service ${namespace}/${name}, which the manifests do not hold${lattice ? '; the controller drops the backend and the others take its share (all missing: a fixed 500)' : ''}`,
        fix: `add Service ${name} in namespace ${namespace}, or name one that exists`,
      });
    }
  });
}

function unsupported(context: RuleContext, route: Entry, path: (string | number)[], what: string, effect: string, fix: string, severity: 'error' | 'warning' = 'error'): void {
  context.report({ ruleId: 'lattice-unsupported', severity, entry: route, path, message: `${describe(route)} ${what} on an ${LATTICE_CLASS} Gateway: ${effect}`, fix });
}

const NOT_BUILT = 'the AWS Gateway API Controller refuses the route and builds nothing for it — its status may still say Accepted; the only trace is a FailedBuildModel event';

function checkServiceName(context: RuleContext, route: Entry): void {
  const override = route.annotations[SERVICE_NAME_OVERRIDE];
  if (override !== undefined) {
    if (!isValidServiceName(override)) {
      unsupported(context, route, ['metadata', 'annotations', SERVICE_NAME_OVERRIDE], `asks for the Lattice service name "${override}"`, 'the controller refuses the route (3 to 40 lowercase letters, digits and single hyphens, not starting with svc-)', 'choose a name that follows those rules');
    }
    return;
  }
  const derived = derivedServiceName(route.name, route.namespace ?? 'default');
  if (!isValidServiceName(derived)) {
    unsupported(
      context,
      route,
      ['metadata', 'name'],
      `gets the Lattice service name "${derived}" from its name and namespace`,
      'Lattice refuses it (a name may not start with svc-, contain -- or end with -), so no service is built; the only trace is a FailedDeployModel event',
      `name the service with the annotation ${SERVICE_NAME_OVERRIDE}, or rename the route`,
    );
  }
}

function checkLattice(context: RuleContext, route: Entry): void {
  checkServiceName(context, route);
  const rules = asArray(route.spec.rules).map(asRecord);
  if (rules.length > LATTICE_RULE_QUOTA) {
    unsupported(context, route, ['spec', 'rules'], `has ${rules.length} rules`, `Lattice’s default quota is ${LATTICE_RULE_QUOTA} rules per listener`, 'raise the quota (Service Quotas: VPC Lattice, rules per listener) or split the route', 'warning');
  }
  rules.forEach((rule, index) => {
    const at = ['spec', 'rules', index];
    const matches = asArray(rule.matches).map(asRecord);
    if (matches.length > 1) unsupported(context, route, [...at, 'matches'], `has ${matches.length} matches in rule ${index + 1}`, `${NOT_BUILT} (LATTICE_NO_SUPPORT_FOR_MULTIPLE_MATCHES)`, 'write one rule per match (the rules are tried in order)');
    matches.forEach((match, m) => {
      const path = asRecord(match.path);
      if (asString(path.type) === 'RegularExpression') unsupported(context, route, [...at, 'matches', m, 'path'], 'matches a path by regular expression', `${NOT_BUILT} (LATTICE_UNSUPPORTED_PATH_MATCH_TYPE)`, 'use Exact or PathPrefix paths');
      const headers = asArray(match.headers).map(asRecord);
      headers.forEach((h, i) => {
        const type = asString(h.type) ?? 'Exact';
        if (type !== 'Exact') unsupported(context, route, [...at, 'matches', m, 'headers', i, 'type'], `matches header ${asString(h.name)} by ${type}`, `${NOT_BUILT} (LATTICE_UNSUPPORTED_HEADER_MATCH_TYPE)`, 'match exact header values only');
      });
      if (headers.length > LATTICE_MAX_HEADERS) unsupported(context, route, [...at, 'matches', m, 'headers'], `matches ${headers.length} headers`, `${NOT_BUILT} (LATTICE_EXCEED_MAX_HEADER_MATCHES: at most ${LATTICE_MAX_HEADERS})`, `keep ${LATTICE_MAX_HEADERS} header matches or fewer`);
      if (asArray(match.queryParams).length) unsupported(context, route, [...at, 'matches', m, 'queryParams'], 'matches query parameters', `${NOT_BUILT} (LATTICE_UNSUPPORTED_MATCH_TYPE)`, 'match on a header instead');
    });
    asArray(rule.filters).forEach((f, i) => {
      unsupported(context, route, [...at, 'filters', i], `has a ${asString(asRecord(f).type) ?? ''} filter`, 'the controller never reads filters, so the request goes through unchanged (Lattice has no rewrites, redirects or header modifiers)', 'drop the filter and do it in the caller or the app; say so to whoever relies on it');
    });
    if (rule.timeouts !== undefined) unsupported(context, route, [...at, 'timeouts'], 'sets timeouts', 'the controller never reads them: Lattice applies none of them', 'set the timeout in the caller’s HTTP client');
  });
}

export const gatewayApiRules: Rule = {
  ids: ['target-weights', 'missing-backend', 'lattice-unsupported'],
  check(context) {
    for (const route of routes(context.inventory)) {
      const lattice = onLattice(context.inventory, route);
      asArray(route.spec.rules).forEach((rule, index) => checkBackends(context, route, asRecord(rule), index, lattice));
      if (lattice) checkLattice(context, route);
    }
  },
};
