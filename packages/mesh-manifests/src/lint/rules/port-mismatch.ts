/**
 * Rule `port-mismatch`: under App Mesh one number must line up end to end. A client's Envoy
 * dials a node at its DNS hostname on the *listener* port; the Service behind that name must
 * expose that port and forward it (`targetPort`) to the pod; the pod's Envoy intercepts the
 * listener port and hands it to the app, which must serve exactly there (`containerPort`).
 * The AWS multi-account blog post behind yelb-multi-account gave the yelb-ui node listener 4567
 * (the appserver's port) while the UI serves on 80.
 * The same holds for a VirtualGateway: its Envoy must listen (containerPort) and its Service
 * must forward (targetPort) on the gateway's listener port.
 */
import { asRecord, asString } from '../access.js';
import { describe, listenersOf, type Entry, type PodTemplate } from '../inventory.js';
import { serviceSelects } from '../selectors.js';
import { servedPorts, servicePorts } from '../workloads.js';
import type { Rule, RuleContext } from './context.js';
import { referencesOf } from './missing-reference.js';
import { consumedVirtualServices } from './service-name-mismatch.js';

interface Mismatch {
  text: string;
  /** The number the other side uses, a candidate for the right one. */
  value?: number;
}

function mostCommon(values: number[]): number | undefined {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: [number, number] | undefined;
  for (const entry of counts) if (!best || entry[1] > best[1]) best = entry;
  return best?.[0];
}

function selectingServices(owner: Entry, pods: PodTemplate[], context: RuleContext): Entry[] {
  if (owner.namespace === undefined) return [];
  return context.inventory.services(owner.namespace).filter((s) => pods.some((p) => serviceSelects(s.spec.selector, p.labels)));
}

function containerMismatches(pods: PodTemplate[], port: number, gateway: boolean): Mismatch[] {
  const out: Mismatch[] = [];
  for (const pod of pods) {
    const served = gateway ? servedPorts(pod, pod.containers) : servedPorts(pod);
    if (!served || served.includes(port)) continue;
    out.push({ text: `${pod.owner.kind} ${pod.owner.name} serves ${served.join('/')}`, value: served[0] as number });
  }
  return out;
}

/**
 * With one listener every Service in front of the pods must forward to it; with several, each
 * listener port needs some Service forwarding to it (one Service per listener is common).
 */
function targetPortMismatches(services: Entry[], pods: PodTemplate[], port: number, everyService: boolean): Mismatch[] {
  const describeService = (service: Entry): Mismatch => {
    const targets = servicePorts(service, pods).map((p) => p.targetPort).filter((p): p is number => p !== undefined);
    return { text: `Service ${service.name} forwards to ${targets.length ? targets.join('/') : 'an unresolvable named port'}`, ...(targets[0] === undefined ? {} : { value: targets[0] }) };
  };
  const forwards = (service: Entry) => {
    const ports = servicePorts(service, pods);
    return ports.length === 0 || ports.some((p) => p.targetPort === port);
  };
  if (everyService) return services.filter((s) => !forwards(s)).map(describeService);
  return services.length > 0 && !services.some(forwards) ? services.map(describeService) : [];
}

function dnsServiceMismatch(node: Entry, port: number, context: RuleContext): Mismatch[] {
  const hostname = asString(asRecord(asRecord(node.spec.serviceDiscovery).dns).hostname);
  if (!hostname || node.namespace === undefined) return [];
  const address = context.inventory.serviceAddress(hostname, node.namespace);
  const service = address && context.inventory.find('Service', address.namespace, address.name);
  if (!service) return [];
  const ports = servicePorts(service, []);
  if (ports.length === 0 || ports.some((p) => p.port === port)) return [];
  return [{ text: `Service ${service.name} (its DNS hostname, which peers dial on the listener port) exposes ${ports.map((p) => p.port).join('/')}`, value: ports[0]?.port as number }];
}

function report(owner: Entry, listener: { port: number; index: number }, mismatches: Mismatch[], context: RuleContext): void {
  if (mismatches.length === 0) return;
  const candidate = mostCommon(mismatches.map((m) => m.value).filter((v): v is number => v !== undefined));
  const listenerRole = owner.kind === 'VirtualGateway' ? 'gateway listener' : 'listener';
  context.report({
    ruleId: 'port-mismatch',
    severity: 'error',
    entry: owner,
    path: ['spec', 'listeners', listener.index, 'portMapping', 'port'],
    message: `${describe(owner)}'s ${listenerRole} is on port ${listener.port}, but ${mismatches.map((m) => m.text).join(', and ')}`,
    fix:
      candidate !== undefined
        ? `use one port end to end: set the listener portMapping.port to ${candidate} (the port the app serves), or make containerPort, the Service's port/targetPort and the app's port ${listener.port}`
        : `make the listener port, the containerPort and the Service's port/targetPort the same number`,
  });
}

/**
 * Nodes some Envoy dials through the mesh: targets of a virtual service that a node lists as a
 * backend or a gateway route targets. Only for them does the DNS Service's port matter (a UI
 * reached only through its load balancer may expose 80 in front of listener 8080).
 */
function dialedNodes(context: RuleContext): Set<Entry> {
  const { inventory } = context;
  const services = new Set<Entry>(consumedVirtualServices(inventory).keys());
  for (const route of inventory.mesh('GatewayRoute')) {
    for (const ref of referencesOf(route)) {
      if (ref.kind !== 'VirtualService') continue;
      const vs = inventory.find('VirtualService', ref.namespace, ref.name);
      if (vs) services.add(vs);
    }
  }
  return new Set([...services].flatMap((vs) => inventory.targetNodes(vs)));
}

export const portMismatch: Rule = {
  ids: ['port-mismatch'],
  check(context) {
    const { inventory } = context;
    const dialed = dialedNodes(context);
    for (const node of inventory.mesh('VirtualNode')) {
      const pods = inventory.podsOf(node);
      const services = selectingServices(node, pods, context);
      const listeners = listenersOf(node);
      for (const listener of listeners) {
        const mismatches = [
          ...containerMismatches(pods, listener.port, false),
          ...targetPortMismatches(services, pods, listener.port, listeners.length === 1),
          ...(dialed.has(node) ? dnsServiceMismatch(node, listener.port, context) : []),
        ];
        const unique = mismatches.filter((m, i) => mismatches.findIndex((o) => o.text === m.text) === i);
        report(node, listener, unique, context);
      }
    }
    for (const gateway of inventory.mesh('VirtualGateway')) {
      const pods = inventory.podsOf(gateway);
      const services = selectingServices(gateway, pods, context);
      const listeners = listenersOf(gateway);
      for (const listener of listeners) {
        const mismatches = [
          ...containerMismatches(pods, listener.port, true),
          ...targetPortMismatches(services, pods, listener.port, listeners.length === 1),
        ];
        report(gateway, listener, mismatches, context);
      }
    }
  },
};
