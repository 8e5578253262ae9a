/**
 * Rule `service-name-mismatch`: a client reaches a VirtualService by resolving its name in
 * DNS first — only then does iptables hand the connection to Envoy, which routes it by that
 * name. So the name (awsName, or the controller's default `<name>.<namespace>`) must be a
 * Service in cluster DNS. The blog series behind mesh-basics named the VirtualService `svc-v`
 * but gave the Service another name, and every call failed to resolve. Checked for virtual services some
 * node calls (a backend by ref, ARN or backend group); gateway-only targets need no DNS.
 */
import { asString } from '../access.js';
import { describe, Inventory, type Entry } from '../inventory.js';
import { serviceSelects } from '../selectors.js';
import { closest } from '../similar.js';
import type { Rule, RuleContext } from './context.js';

/** The Service a VirtualService's name resolves to, when that name is a cluster DNS name. */
export function frontingAddress(vs: Entry, inventory: Inventory): { name: string; namespace: string } | undefined {
  if (vs.namespace === undefined) return undefined;
  return inventory.serviceAddress(Inventory.virtualServiceName(vs), vs.namespace);
}

export function consumedVirtualServices(inventory: Inventory): Map<Entry, Entry[]> {
  const consumers = new Map<Entry, Entry[]>();
  const services = inventory.mesh('VirtualService');
  for (const vn of inventory.mesh('VirtualNode')) {
    const { refs, arnNames } = inventory.declaredBackends(vn);
    const matched = new Set(refs);
    for (const vs of services) if (arnNames.includes(Inventory.virtualServiceName(vs))) matched.add(vs);
    for (const vs of matched) consumers.set(vs, [...(consumers.get(vs) ?? []), vn]);
  }
  return consumers;
}

function check(vs: Entry, callers: Entry[], context: RuleContext): void {
  const { inventory } = context;
  const address = frontingAddress(vs, inventory);
  if (!address || inventory.find('Service', address.namespace, address.name)) return;
  const meshName = Inventory.virtualServiceName(vs);
  const candidates = inventory.services(address.namespace);
  const targets = inventory.targetNodes(vs).flatMap((n) => inventory.podsOf(n));
  const covering = candidates.find((s) => targets.length > 0 && targets.every((p) => serviceSelects(s.spec.selector, p.labels)));
  const suggestion = covering?.name ?? closest(address.name, candidates.map((s) => s.name));
  const awsName = asString(vs.spec.awsName);
  const field = awsName ? 'awsName' : 'name';
  context.report({
    ruleId: 'service-name-mismatch',
    severity: 'error',
    entry: vs,
    path: awsName ? ['spec', 'awsName'] : ['metadata', 'name'],
    message: `clients (${callers.map((c) => c.name).join(', ')}) reach ${describe(vs)} as ${meshName}, but there is no Service ${address.name} in namespace ${address.namespace} for that name to resolve to${suggestion ? ` (Service ${suggestion} looks like the intended one)` : ''}`,
    fix: suggestion
      ? `rename Service ${suggestion} to ${address.name}, or set the VirtualService's ${field} to ${suggestion}.${address.namespace}.svc.cluster.local`
      : `create a Service ${address.name} in namespace ${address.namespace} (a selector-less placeholder on the listener port is enough for DNS)`,
  });
}

export const serviceNameMismatch: Rule = {
  ids: ['service-name-mismatch'],
  check(context) {
    for (const [vs, callers] of consumedVirtualServices(context.inventory)) check(vs, callers, context);
  },
};
