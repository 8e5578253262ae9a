/**
 * Rules about how namespaces and pods join the mesh, as the App Mesh controller decides it:
 *
 * - `namespace-not-in-mesh`: every namespace holding App Mesh objects must be selected by
 *   exactly one Mesh's `namespaceSelector` (absent selects none, `{}` selects all). The
 *   controller's own words for the failure are quoted so a learner can search them.
 * - `sidecar-injection-off`: the injector webhook only sees namespaces labelled
 *   `appmesh.k8s.aws/sidecarInjectorWebhook` (`enabled`, or `disabled` plus a pod annotation
 *   `enabled`). Without it, a VirtualNode's pods run with no Envoy. In an `enabled` namespace,
 *   a pod no VirtualNode or VirtualGateway selects is rejected outright.
 * - `ambiguous-selector`: a pod selected by two VirtualNodes (or a node and a gateway) is
 *   rejected by the injector, which refuses to guess.
 */
import { MESH_MEMBER_KINDS, SIDECAR_INJECTOR_KEY } from '../kinds.js';
import { describe, type Entry, type PodTemplate } from '../inventory.js';
import { asRecord, isRecord } from '../access.js';
import { describeLabels, describeSelector } from '../selectors.js';
import type { Rule, RuleContext } from './context.js';

function memberNamespaces(context: RuleContext): Map<string, Entry[]> {
  const byNamespace = new Map<string, Entry[]>();
  for (const kind of MESH_MEMBER_KINDS) {
    for (const entry of context.inventory.mesh(kind)) {
      if (entry.namespace === undefined) continue;
      byNamespace.set(entry.namespace, [...(byNamespace.get(entry.namespace) ?? []), entry]);
    }
  }
  return byNamespace;
}

function suggestLabel(mesh: Entry, namespace: string): string {
  const selector = mesh.spec.namespaceSelector;
  if (!isRecord(selector)) {
    return `Mesh ${mesh.name} has no namespaceSelector, which selects no namespace: add \`namespaceSelector: {matchLabels: {mesh: ${mesh.name}}}\` to it and label namespace ${namespace} mesh=${mesh.name}`;
  }
  const wanted = Object.entries(asRecord(selector.matchLabels)).map(([k, v]) => `${k}=${String(v)}`);
  if (wanted.length === 0) return `make Mesh ${mesh.name}'s namespaceSelector match namespace ${namespace}'s labels`;
  return `label namespace ${namespace} ${wanted.join(' ')} (\`kubectl label namespace ${namespace} ${wanted.join(' ')}\`, or in its manifest), or change Mesh ${mesh.name}'s namespaceSelector to match the namespace's labels`;
}

function checkNamespaces(context: RuleContext, members: Map<string, Entry[]>): void {
  const { inventory } = context;
  const meshes = inventory.mesh('Mesh');
  for (const [namespace, entries] of members) {
    const first = entries[0] as Entry;
    if (meshes.length === 0) {
      context.report({
        ruleId: 'namespace-not-in-mesh',
        severity: 'warning',
        entry: first,
        message: `namespace ${namespace} holds App Mesh objects (${describe(first)}…) but the inputs define no Mesh, so its membership cannot be checked`,
        fix: `add the Mesh manifest (with a namespaceSelector matching namespace ${namespace}'s labels) to the folder you lint`,
      });
      continue;
    }
    const nsEntry = inventory.namespaceEntry(namespace);
    if (!nsEntry) {
      const selectors = meshes.map((m) => `Mesh ${m.name} selects ${describeSelector(m.spec.namespaceSelector)}`).join('; ');
      context.report({
        ruleId: 'namespace-not-in-mesh',
        severity: 'warning',
        entry: first,
        message: `namespace ${namespace} is not defined in the inputs, so its labels cannot be checked against the mesh (${selectors})`,
        fix: `add a Namespace manifest for ${namespace} with the labels the mesh selects and ${SIDECAR_INJECTOR_KEY}: enabled`,
      });
      continue;
    }
    const selecting = inventory.meshesSelecting(namespace) ?? [];
    if (selecting.length === 1) continue;
    if (selecting.length === 0) {
      const why = meshes.map((m) => `Mesh ${m.name} selects ${describeSelector(m.spec.namespaceSelector)}`).join('; ');
      context.report({
        ruleId: 'namespace-not-in-mesh',
        severity: 'error',
        entry: nsEntry,
        path: ['metadata', 'labels'],
        message: `no Mesh selects namespace ${namespace} (labels: ${describeLabels(nsEntry.labels)}; ${why}); the controller rejects ${describe(first)} and the other mesh objects here with "failed to find matching mesh for namespace: ${namespace}, expecting 1 but found 0"`,
        fix: meshes.length === 1 ? suggestLabel(meshes[0] as Entry, namespace) : `make exactly one Mesh's namespaceSelector match namespace ${namespace}'s labels`,
      });
    } else {
      context.report({
        ruleId: 'namespace-not-in-mesh',
        severity: 'error',
        entry: nsEntry,
        path: ['metadata', 'labels'],
        message: `namespace ${namespace} is selected by ${selecting.length} meshes (${selecting.map((m) => m.name).join(', ')}); the controller refuses with "found multiple matching meshes for namespace: ${namespace}, expecting 1 but found ${selecting.length}"`,
        fix: `narrow the Meshes' namespaceSelectors so exactly one selects namespace ${namespace}`,
      });
    }
  }
}

interface PodMembership {
  pod: PodTemplate;
  nodes: Entry[];
  gateways: Entry[];
}

function describePod(pod: PodTemplate): string {
  return describe(pod.owner);
}

function checkInjection(context: RuleContext, memberships: PodMembership[]): void {
  const { inventory } = context;
  const unlabelled = new Map<string, PodMembership[]>();
  for (const membership of memberships) {
    const { pod, nodes, gateways } = membership;
    const nsEntry = inventory.namespaceEntry(pod.namespace);
    if (!nsEntry) continue;
    const nsMode = nsEntry.labels[SIDECAR_INJECTOR_KEY]?.toLowerCase();
    const podMode = pod.annotations[SIDECAR_INJECTOR_KEY]?.toLowerCase();
    const inMesh = nodes.length > 0 || gateways.length > 0;
    if (nsMode !== 'enabled' && nsMode !== 'disabled') {
      if (inMesh) unlabelled.set(pod.namespace, [...(unlabelled.get(pod.namespace) ?? []), membership]);
      continue;
    }
    const mode = podMode ?? nsMode;
    if (mode === 'enabled' && !inMesh) {
      context.report({
        ruleId: 'sidecar-injection-off',
        severity: 'error',
        entry: pod.owner,
        path: [...pod.metadataPath, 'labels'],
        message: `namespace ${pod.namespace} injects sidecars, but no VirtualNode or VirtualGateway selects the pods of ${describePod(pod)} (labels: ${describeLabels(pod.labels)}); the injector rejects them with "sidecarInject enabled but no matching VirtualNode or VirtualGateway found"`,
        fix: `add a VirtualNode whose podSelector matches these labels, or annotate the pod template with ${SIDECAR_INJECTOR_KEY}: disabled`,
      });
    } else if (mode === 'disabled' && podMode === undefined && nodes.length > 0) {
      context.report({
        ruleId: 'sidecar-injection-off',
        severity: 'error',
        entry: pod.owner,
        path: pod.metadataPath,
        message: `${describePod(pod)} is VirtualNode ${nodes.map((n) => n.name).join(', ')}'s workload, but namespace ${pod.namespace} is labelled ${SIDECAR_INJECTOR_KEY}=disabled, so its pods run without Envoy`,
        fix: `annotate the pod template with ${SIDECAR_INJECTOR_KEY}: enabled, or label the namespace ${SIDECAR_INJECTOR_KEY}=enabled`,
      });
    }
  }
  for (const [namespace, affected] of unlabelled) {
    const nsEntry = inventory.namespaceEntry(namespace) as Entry;
    const needsProxy = affected.filter((m) => m.nodes.length > 0 || !configuredByHand(m.pod));
    if (needsProxy.length === 0) continue;
    const owners = needsProxy.map((m) => `${m.pod.owner.kind} ${m.pod.owner.name} (${[...m.nodes, ...m.gateways].map((e) => `${e.kind} ${e.name}`).join(', ')})`);
    context.report({
      ruleId: 'sidecar-injection-off',
      severity: 'error',
      entry: nsEntry,
      path: ['metadata'],
      message: `namespace ${namespace} lacks the label ${SIDECAR_INJECTOR_KEY}=enabled, so the injector never sees its pods and ${owners.join(', ')} run without an App Mesh-configured Envoy`,
      fix: `add the label ${SIDECAR_INJECTOR_KEY}: enabled to Namespace ${namespace} (\`kubectl label namespace ${namespace} ${SIDECAR_INJECTOR_KEY}=enabled\`)`,
    });
  }
}

/**
 * A gateway pod whose Envoy already names its virtual gateway runs without the injector: the blog
 * series behind mesh-basics set `APPMESH_RESOURCE_ARN` on its gateway by hand, and that works.
 */
function configuredByHand(pod: PodTemplate): boolean {
  return pod.containers.some((c) => c.env.some((e) => e.name === 'APPMESH_RESOURCE_ARN' || e.name === 'APPMESH_VIRTUAL_NODE_NAME'));
}

function checkAmbiguity(context: RuleContext, memberships: PodMembership[]): void {
  for (const { pod, nodes, gateways } of memberships) {
    const owners = [...nodes, ...gateways];
    if (owners.length < 2) continue;
    const names = owners.map((e) => `${e.kind} ${e.name}`).join(', ');
    const controllerText =
      nodes.length > 1
        ? `found multiple matching VirtualNodes for pod`
        : gateways.length > 1
          ? `found multiple matching VirtualGateways for pod`
          : `sidecarInject enabled for both virtualNode and virtualGateway`;
    context.report({
      ruleId: 'ambiguous-selector',
      severity: 'error',
      entry: pod.owner,
      path: [...pod.metadataPath, 'labels'],
      message: `the pods of ${describePod(pod)} (labels: ${describeLabels(pod.labels)}) are selected by ${names}; the injector rejects them ("${controllerText}")`,
      fix: `make the podSelectors distinct (add a label such as version=… to the pods and to each selector) so exactly one selects these pods`,
    });
  }
}

export const namespaceMembership: Rule = {
  ids: ['namespace-not-in-mesh', 'sidecar-injection-off', 'ambiguous-selector'],
  check(context) {
    const members = memberNamespaces(context);
    checkNamespaces(context, members);
    const memberships: PodMembership[] = context.inventory.pods.map((pod) => ({
      pod,
      nodes: context.inventory.nodesOfPod(pod),
      gateways: context.inventory.gatewaysOfPod(pod),
    }));
    checkInjection(context, memberships);
    checkAmbiguity(context, memberships);
  },
};
