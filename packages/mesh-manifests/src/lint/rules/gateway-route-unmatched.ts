/**
 * Rule `gateway-route-unmatched`: the controller attaches a GatewayRoute to the one
 * VirtualGateway whose `namespaceSelector` selects the route's namespace (absent selects none)
 * and whose `gatewayRouteSelector` selects the route's labels (absent selects all). None, or
 * more than one, and the route is refused with the controller's "expecting 1 but found N".
 */
import { describe, type Entry } from '../inventory.js';
import { describeLabels, describeSelector, selects } from '../selectors.js';
import type { Rule, RuleContext } from './context.js';

function why(vg: Entry, route: Entry, nsLabels: Record<string, string> | undefined): string {
  if (nsLabels && !selects(vg.spec.namespaceSelector, nsLabels)) {
    return `${vg.name}'s namespaceSelector (${describeSelector(vg.spec.namespaceSelector)}) does not select namespace ${route.namespace} (labels: ${describeLabels(nsLabels)})`;
  }
  return `${vg.name}'s gatewayRouteSelector (${describeSelector(vg.spec.gatewayRouteSelector)}) does not select the route's labels (${describeLabels(route.labels)})`;
}

function fixFor(vg: Entry | undefined, route: Entry, nsLabels: Record<string, string> | undefined): string {
  if (!vg) return `create a VirtualGateway whose namespaceSelector selects namespace ${route.namespace}`;
  if (nsLabels && !selects(vg.spec.namespaceSelector, nsLabels)) {
    const selector = vg.spec.namespaceSelector;
    return selector === undefined
      ? `add a namespaceSelector to VirtualGateway ${vg.name} (absent selects no namespace), e.g. matching a label of namespace ${route.namespace}`
      : `label namespace ${route.namespace} to match ${describeSelector(selector)}, or change VirtualGateway ${vg.name}'s namespaceSelector`;
  }
  return `label GatewayRoute ${route.name} to match ${describeSelector(vg.spec.gatewayRouteSelector)}, or change VirtualGateway ${vg.name}'s gatewayRouteSelector`;
}

function check(route: Entry, context: RuleContext): void {
  const { inventory } = context;
  const gateways = inventory.mesh('VirtualGateway');
  const nsLabels = route.namespace === undefined ? undefined : inventory.namespaceEntry(route.namespace)?.labels;
  // Without the Namespace, only the route-label half of the match can be judged.
  const candidates = gateways.filter(
    (vg) => (nsLabels === undefined || selects(vg.spec.namespaceSelector, nsLabels)) && selects(vg.spec.gatewayRouteSelector, route.labels, 'all'),
  );
  if (candidates.length === 1) return;
  if (candidates.length === 0) {
    const reasons = gateways.map((vg) => why(vg, route, nsLabels));
    context.report({
      ruleId: 'gateway-route-unmatched',
      severity: 'error',
      entry: route,
      path: ['metadata'],
      message: `no VirtualGateway selects ${describe(route)}: ${reasons.length ? reasons.join('; ') : 'the inputs define no VirtualGateway'}; the controller reports "failed to find matching virtualGateway for gatewayRoute: ${route.name}, expecting 1 but found 0"`,
      fix: fixFor(gateways.length === 1 ? gateways[0] : undefined, route, nsLabels),
    });
    return;
  }
  context.report({
    ruleId: 'gateway-route-unmatched',
    severity: 'error',
    entry: route,
    path: ['metadata'],
    message: `${describe(route)} is selected by ${candidates.length} VirtualGateways (${candidates.map((c) => c.name).join(', ')}); the controller reports "found multiple matching virtualGateways for gatewayRoute: ${route.name}, expecting 1 but found ${candidates.length}"`,
    fix: `give the VirtualGateways gatewayRouteSelectors (or namespaceSelectors) that pick this route for exactly one of them`,
  });
}

export const gatewayRouteUnmatched: Rule = {
  ids: ['gateway-route-unmatched'],
  check(context) {
    for (const route of context.inventory.mesh('GatewayRoute')) check(route, context);
  },
};
