/**
 * Rule `missing-reference`: an App Mesh object refers to another by name and no such object
 * exists. The controller leaves the referrer un-synced ("virtualService … not found") and the
 * learner sees nothing happen. Refs default to the referrer's namespace, which is the usual
 * surprise: a ref to `jazz` from namespace `kong` means `kong/jazz`, not `prod/jazz`.
 */
import { asArray, asRecord, asString, isRecord } from '../access.js';
import { describe, routeTargets, type Entry } from '../inventory.js';
import { closest } from '../similar.js';
import type { FieldPath } from '../types.js';
import type { Rule, RuleContext } from './context.js';

interface Reference {
  from: Entry;
  kind: string;
  name: string;
  namespace: string | undefined;
  /** Whether the ref named its namespace or inherited the referrer's. */
  explicitNamespace: boolean;
  path: FieldPath;
  role: string;
}

function refAt(from: Entry, value: unknown, kind: string, path: FieldPath, role: string): Reference | undefined {
  const ref = asRecord(value);
  const name = asString(ref.name);
  if (!name) return undefined;
  const explicit = asString(ref.namespace);
  return {
    from,
    kind,
    name,
    namespace: kind === 'Mesh' ? undefined : (explicit ?? from.namespace),
    explicitNamespace: explicit !== undefined,
    path: [...path, 'name'],
    role,
  };
}

export function referencesOf(entry: Entry): Reference[] {
  const refs: (Reference | undefined)[] = [];
  const spec = entry.spec;
  if (isRecord(spec.meshRef)) refs.push(refAt(entry, spec.meshRef, 'Mesh', ['spec', 'meshRef'], 'mesh'));
  switch (entry.kind) {
    case 'VirtualNode':
      asArray(spec.backends).forEach((b, i) => {
        const path = ['spec', 'backends', i, 'virtualService', 'virtualServiceRef'];
        refs.push(refAt(entry, asRecord(asRecord(b).virtualService).virtualServiceRef, 'VirtualService', path, 'backend'));
      });
      asArray(spec.backendGroups).forEach((g, i) => {
        refs.push(refAt(entry, g, 'BackendGroup', ['spec', 'backendGroups', i], 'backend group'));
      });
      break;
    case 'VirtualService': {
      const provider = asRecord(spec.provider);
      refs.push(
        refAt(entry, asRecord(provider.virtualNode).virtualNodeRef, 'VirtualNode', ['spec', 'provider', 'virtualNode', 'virtualNodeRef'], 'provider'),
        refAt(entry, asRecord(provider.virtualRouter).virtualRouterRef, 'VirtualRouter', ['spec', 'provider', 'virtualRouter', 'virtualRouterRef'], 'provider'),
      );
      break;
    }
    case 'VirtualRouter':
      for (const { targets } of routeTargets(entry)) {
        for (const target of targets) {
          refs.push(refAt(entry, asRecord(target.value).virtualNodeRef, 'VirtualNode', [...target.path, 'virtualNodeRef'], 'route target'));
        }
      }
      break;
    case 'GatewayRoute':
      if (isRecord(spec.virtualGatewayRef)) {
        refs.push(refAt(entry, spec.virtualGatewayRef, 'VirtualGateway', ['spec', 'virtualGatewayRef'], 'gateway'));
      }
      for (const kind of ['httpRoute', 'http2Route', 'grpcRoute']) {
        const target = asRecord(asRecord(asRecord(asRecord(spec[kind]).action).target).virtualService);
        const path = ['spec', kind, 'action', 'target', 'virtualService', 'virtualServiceRef'];
        refs.push(refAt(entry, target.virtualServiceRef, 'VirtualService', path, 'target'));
      }
      break;
    case 'BackendGroup':
      asArray(spec.virtualservices).forEach((v, i) => {
        refs.push(refAt(entry, v, 'VirtualService', ['spec', 'virtualservices', i], 'member'));
      });
      break;
  }
  return refs.filter((r): r is Reference => r !== undefined);
}

function checkReference(ref: Reference, context: RuleContext): void {
  const { inventory } = context;
  if (inventory.find(ref.kind, ref.namespace, ref.name)) return;
  const where = ref.namespace === undefined ? '' : ` in namespace ${ref.namespace}`;
  const elsewhere = inventory.mesh(ref.kind).filter((e) => e.name === ref.name && e.namespace !== ref.namespace);
  const sameNamespace = inventory.mesh(ref.kind).filter((e) => e.namespace === ref.namespace).map((e) => e.name);
  const typo = closest(ref.name, sameNamespace);
  const hints: string[] = [];
  let fix: string;
  if (elsewhere.length > 0) {
    const other = elsewhere[0] as Entry;
    if (ref.explicitNamespace) {
      hints.push(`there is a ${ref.kind} ${ref.name} in namespace ${other.namespace}`);
      fix = `change the ref's namespace to \`namespace: ${other.namespace}\``;
    } else {
      hints.push(`refs default to the referrer's namespace; there is a ${ref.kind} ${ref.name} in namespace ${other.namespace}`);
      fix = `add \`namespace: ${other.namespace}\` to the ref`;
    }
  } else if (typo) {
    hints.push(`did you mean ${typo}?`);
    fix = `change the ref to \`name: ${typo}\`, or create ${ref.kind} ${ref.name}${where}`;
  } else {
    fix = `create ${ref.kind} ${ref.name}${where}, or point the ref at one that exists`;
  }
  context.report({
    ruleId: 'missing-reference',
    severity: 'error',
    entry: ref.from,
    path: ref.path,
    message: `${ref.role} ${ref.kind} ${ref.name}${where} does not exist${hints.length ? ` (${hints.join('; ')})` : ''}`,
    fix,
  });
}

/** A VirtualNode's DNS hostname must name a Service, or Envoy finds no endpoints for it. */
function checkDnsHostname(node: Entry, context: RuleContext): void {
  const hostname = asString(asRecord(asRecord(node.spec.serviceDiscovery).dns).hostname);
  if (!hostname || node.namespace === undefined) return;
  const address = context.inventory.serviceAddress(hostname, node.namespace);
  if (!address || context.inventory.find('Service', address.namespace, address.name)) return;
  const services = context.inventory.services(address.namespace).map((s) => s.name);
  const typo = closest(address.name, services);
  context.report({
    ruleId: 'missing-reference',
    severity: 'error',
    entry: node,
    path: ['spec', 'serviceDiscovery', 'dns', 'hostname'],
    message: `serviceDiscovery.dns.hostname ${hostname} names Service ${address.namespace}/${address.name}, which does not exist, so Envoy finds no endpoints for ${describe(node)}${typo ? ` (did you mean ${typo}?)` : ''}`,
    fix: typo
      ? `set the hostname to ${typo}.${address.namespace}.svc.cluster.local, or create Service ${address.name}`
      : `create a Service ${address.name} in namespace ${address.namespace} selecting this node's pods`,
  });
}

export const missingReference: Rule = {
  ids: ['missing-reference'],
  check(context) {
    for (const entry of context.inventory.entries) {
      if (!entry.apiVersion.startsWith('appmesh.k8s.aws/')) continue;
      for (const ref of referencesOf(entry)) checkReference(ref, context);
      if (entry.kind === 'VirtualNode') checkDnsHostname(entry, context);
    }
  },
};
