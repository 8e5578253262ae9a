/**
 * Rule `selector-misses-pods`: the Service fronting a VirtualService (the one its name resolves
 * to) selects pods, but not the pods of every node the virtual service can send to. Mesh
 * traffic does not use that selector — Envoy routes by the router — but everything that
 * bypasses Envoy does (a pod without a sidecar, a short-name call under ALLOW_ALL, a
 * port-forward), and then only some versions answer. The blog series behind mesh-basics had to
 * widen the selector to `app: sample1` to cover both nodes. A selector-less placeholder Service is fine.
 */
import { describe, type Entry } from '../inventory.js';
import { describeLabels, serviceSelects } from '../selectors.js';
import { isRecord } from '../access.js';
import { frontingAddress } from './service-name-mismatch.js';
import type { Rule, RuleContext } from './context.js';

function check(vs: Entry, context: RuleContext): void {
  const { inventory } = context;
  const address = frontingAddress(vs, inventory);
  if (!address) return;
  const service = inventory.find('Service', address.namespace, address.name);
  if (!service || !isRecord(service.spec.selector) || Object.keys(service.spec.selector).length === 0) return;
  const missed: string[] = [];
  const commonLabels = new Map<string, string>();
  let first = true;
  for (const node of inventory.targetNodes(vs)) {
    for (const pod of inventory.podsOf(node)) {
      if (!serviceSelects(service.spec.selector, pod.labels)) missed.push(`${node.name} (${pod.owner.kind} ${pod.owner.name}, labels ${describeLabels(pod.labels)})`);
      const entries = Object.entries(pod.labels);
      if (first) entries.forEach(([k, v]) => commonLabels.set(k, v));
      else for (const [k, v] of [...commonLabels]) if (pod.labels[k] !== v) commonLabels.delete(k);
      first = false;
    }
  }
  if (missed.length === 0) return;
  const shared = [...commonLabels].map(([k, v]) => `${k}: ${v}`).join(', ');
  context.report({
    ruleId: 'selector-misses-pods',
    severity: 'warning',
    entry: service,
    path: ['spec', 'selector'],
    message: `Service ${service.name} fronts ${describe(vs)}, but its selector (${describeLabels(service.spec.selector)}) misses the pods of ${missed.join('; ')}; anything that bypasses Envoy reaches only some of the targets`,
    fix: shared
      ? `select a label every target pod carries, e.g. \`selector: {${shared}}\`, or drop the selector to make the Service a DNS-only placeholder`
      : `give every target node's pods a shared label (e.g. app: ${vs.name}) and select that, or drop the selector to make the Service a DNS-only placeholder`,
  });
}

export const selectorMissesPods: Rule = {
  ids: ['selector-misses-pods'],
  check(context) {
    for (const vs of context.inventory.mesh('VirtualService')) check(vs, context);
  },
};
