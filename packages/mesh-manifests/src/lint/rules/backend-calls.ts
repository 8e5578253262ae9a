/**
 * Rules about the calls a meshed workload makes (found by `calls.ts`):
 *
 * - `undeclared-backend`: the call targets a VirtualService the caller's VirtualNode does not
 *   list as a backend (by ref, ARN or backend group). Envoy only builds routes for declared
 *   backends, so the call gets a 404 — or leaves the mesh unrouted under ALLOW_ALL.
 * - `short-name-call`: the call uses a shorter name than the one App Mesh knows (`jazz:9080`
 *   for `jazz.prod.svc.cluster.local`, `svc-v` for `svc-v.mesh-test`). For HTTP, HTTP/2 and
 *   gRPC, Envoy matches the Host header against the virtual service's name, so the short name
 *   matches nothing: the request bypasses the router (mesh-basics' fourth trap) or fails
 *   through Envoy (the DJ/Kong post: `curl jazz:9080` fails, the FQDN works). TCP services
 *   match by address, so a short name resolving to the same Service is fine there.
 * - `port-mismatch` (the caller's side): the call's port is not a listener port of the
 *   virtual service's router (or node); Envoy has no route on that port.
 *
 * A call matches a virtual service named N when its host is N or N followed by more DNS
 * labels (`svc-v.mesh-test.svc.cluster.local` for `svc-v.mesh-test`), which is what reached
 * the router in the blog series behind mesh-basics.
 */
import { describe, Inventory, type Entry } from '../inventory.js';
import { outboundCalls, type OutboundCall } from '../calls.js';
import { frontingAddress } from './service-name-mismatch.js';
import type { Rule, RuleContext } from './context.js';

function matchVirtualService(host: string, services: Entry[]): { vs: Entry; exact: boolean } | undefined {
  let best: { vs: Entry; exact: boolean; length: number } | undefined;
  for (const vs of services) {
    const name = Inventory.virtualServiceName(vs);
    if (host === name || host.startsWith(`${name}.`)) {
      if (!best || !best.exact || name.length > best.length) best = { vs, exact: true, length: name.length };
    } else if (name.startsWith(`${host}.`) && !best) {
      best = { vs, exact: false, length: name.length };
    }
  }
  return best && { vs: best.vs, exact: best.exact };
}

function fullName(vs: Entry): string {
  const name = Inventory.virtualServiceName(vs);
  return name.split('.').length === 2 ? `${name}.svc.cluster.local` : name;
}

function callText(call: OutboundCall): string {
  return `${call.host}${call.port === undefined ? '' : `:${call.port}`} (${call.origin})`;
}

function fixedValue(call: OutboundCall, host: string): string {
  const value = call.container.env.find((e) => e.name === call.variable)?.value;
  if (call.variable && value) return `${call.variable}=${value.replace(new RegExp(call.host.replace(/[.]/g, '\\.'), 'i'), host)}`;
  return `${call.variable ?? 'the endpoint variable'} to use ${host}${call.port === undefined ? '' : `:${call.port}`}`;
}

function checkShortName(call: OutboundCall, vs: Entry, context: RuleContext): void {
  const listeners = context.inventory.providerListeners(vs);
  const tcpOnly = listeners.length > 0 && listeners.every((l) => l.protocol === 'tcp');
  if (tcpOnly) {
    const resolves = context.inventory.serviceAddress(call.host, call.pod.namespace);
    const fronting = frontingAddress(vs, context.inventory);
    if (resolves && fronting && resolves.name === fronting.name && resolves.namespace === fronting.namespace) return;
  }
  const name = fullName(vs);
  context.report({
    ruleId: 'short-name-call',
    severity: 'error',
    entry: call.pod.owner,
    path: call.path,
    message: `${call.pod.owner.kind} ${call.pod.owner.name} calls ${callText(call)}, but the mesh knows ${describe(vs)} only as ${Inventory.virtualServiceName(vs)}; Envoy matches requests by that name, so this call bypasses the router (or fails through Envoy)`,
    fix: `call the full name: set ${fixedValue(call, name)}`,
  });
}

function checkDeclared(call: OutboundCall, vs: Entry, callers: Entry[], seen: Set<string>, context: RuleContext): void {
  const meshName = Inventory.virtualServiceName(vs);
  for (const vn of callers) {
    const { refs, arnNames } = context.inventory.declaredBackends(vn);
    if (refs.includes(vs) || arnNames.includes(meshName)) continue;
    const key = `${describe(vn)}→${describe(vs)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const namespacePart = vs.namespace === vn.namespace ? '' : `, namespace: ${vs.namespace}`;
    context.report({
      ruleId: 'undeclared-backend',
      severity: 'error',
      entry: vn,
      path: Array.isArray(vn.spec.backends) ? ['spec', 'backends'] : ['spec'],
      message: `${call.pod.owner.kind} ${call.pod.owner.name} calls ${callText(call)}, which is ${describe(vs)}, but ${describe(vn)} does not list it as a backend, so its Envoy has no route to it`,
      fix: `add to ${vn.name}'s spec.backends: \`- virtualService: {virtualServiceRef: {name: ${vs.name}${namespacePart}}}\``,
    });
  }
}

function checkPort(call: OutboundCall, vs: Entry, context: RuleContext): void {
  if (call.port === undefined) return;
  const listeners = context.inventory.providerListeners(vs);
  if (listeners.length === 0 || listeners.some((l) => l.port === call.port)) return;
  const ports = listeners.map((l) => l.port);
  context.report({
    ruleId: 'port-mismatch',
    severity: 'error',
    entry: call.pod.owner,
    path: call.path,
    message: `${call.pod.owner.kind} ${call.pod.owner.name} calls ${callText(call)}, but ${describe(vs)} listens on ${ports.join('/')}; Envoy has no route for port ${call.port}`,
    fix: `call port ${ports[0]}${call.variable ? ` (in ${call.variable})` : ''}, or change the listener port of ${describe(vs)}'s provider to ${call.port}`,
  });
}

export const backendCalls: Rule = {
  ids: ['undeclared-backend', 'short-name-call', 'port-mismatch'],
  check(context) {
    const { inventory } = context;
    const services = inventory.mesh('VirtualService');
    if (services.length === 0) return;
    const seen = new Set<string>();
    for (const pod of inventory.pods) {
      const callers = inventory.nodesOfPod(pod);
      if (callers.length === 0) continue;
      for (const call of outboundCalls(pod)) {
        const match = matchVirtualService(call.host, services);
        if (!match) continue;
        const ownTargets = inventory.targetNodes(match.vs);
        if (callers.every((c) => ownTargets.includes(c))) continue;
        if (!match.exact) checkShortName(call, match.vs, context);
        checkDeclared(call, match.vs, callers, seen, context);
        checkPort(call, match.vs, context);
      }
    }
  },
};
