/**
 * What Cloud Map must hold for a walkthrough: every namespace its definition declares
 * (`CloudMapNamespace`) and every one its `awsCloudMap` virtual nodes name, with the services those
 * nodes and the declared lists need, over all steps. A node that names an undeclared namespace gets
 * an HTTP namespace (API discovery is all `awsCloudMap` needs), said so in the plan.
 */
import { ofKind, stateAt } from '../model/state.js';
import type { Walkthrough } from '../model/walkthrough.js';

export type NamespaceKind = 'http' | 'dns-private';

export interface DesiredService {
  name: string;
  /** DNS namespaces: the A record each instance gets. */
  dnsRecord?: { type: 'A'; ttl: number };
  /** Why it is needed, e.g. `virtual node yelb/yelb-appserver` or `listed by the definition`. */
  reason: string;
}

export interface DesiredNamespace {
  name: string;
  kind: NamespaceKind;
  cluster: string;
  account: string;
  /** False when only a node names it. */
  declared: boolean;
  services: DesiredService[];
}

const DEFAULT_RECORD = { type: 'A' as const, ttl: 300 };

export class UnknownClusterError extends Error {
  override name = 'UnknownClusterError';
}

export function desiredCloudMap(walkthrough: Walkthrough, cluster?: string): DesiredNamespace[] {
  if (cluster !== undefined && !walkthrough.clusters.some((c) => c.name === cluster)) {
    throw new UnknownClusterError(`walkthrough ${walkthrough.name} has no cluster "${cluster}"; its clusters are: ${walkthrough.clusters.map((c) => c.name).join(', ')}`);
  }
  const byKey = new Map<string, DesiredNamespace>();
  const addService = (namespace: DesiredNamespace, service: DesiredService) => {
    if (!namespace.services.some((s) => s.name === service.name)) namespace.services.push(service);
  };
  for (const step of walkthrough.steps) {
    for (const state of stateAt(walkthrough, step.name)) {
      if (cluster !== undefined && state.name !== cluster) continue;
      const account = walkthrough.accounts.find((a) => a.name === state.account)?.title ?? state.account;
      const namespaceOf = (name: string, kind: NamespaceKind, declared: boolean) => {
        const key = `${state.name}/${name}`;
        let found = byKey.get(key);
        if (!found) {
          found = { name, kind, cluster: state.name, account, declared, services: [] };
          byKey.set(key, found);
        } else if (declared && !found.declared) {
          found.kind = kind;
          found.declared = true;
        }
        return found;
      };
      for (const ns of ofKind(state.resources, 'CloudMapNamespace')) {
        const namespace = namespaceOf(ns.metadata.name, ns.spec.type, true);
        for (const s of ns.spec.services ?? []) {
          addService(namespace, { name: s.name, ...(ns.spec.type === 'dns-private' ? { dnsRecord: s.dnsRecord ?? DEFAULT_RECORD } : {}), reason: 'listed by the definition' });
        }
      }
      for (const node of ofKind(state.resources, 'VirtualNode')) {
        const cm = node.spec.serviceDiscovery?.awsCloudMap;
        if (!cm) continue;
        const declared = ofKind(state.resources, 'CloudMapNamespace').find((n) => n.metadata.name === cm.namespaceName);
        const namespace = namespaceOf(cm.namespaceName, declared?.spec.type ?? 'http', !!declared);
        addService(namespace, {
          name: cm.serviceName,
          ...(namespace.kind === 'dns-private' ? { dnsRecord: DEFAULT_RECORD } : {}),
          reason: `virtual node ${node.metadata.namespace ? `${node.metadata.namespace}/` : ''}${node.metadata.name}`,
        });
      }
    }
  }
  return [...byKey.values()].map((n) => ({ ...n, services: [...n.services].sort((a, b) => a.name.localeCompare(b.name)) }));
}
