/** The rule ids and one-line descriptions, for `--rule` validation, help text and docs. */
import type { RuleId } from './types.js';

export const RULE_DESCRIPTIONS: Readonly<Record<RuleId, string>> = {
  'invalid-yaml': 'a file that is not valid YAML',
  'missing-reference': 'a reference (virtualServiceRef, virtualNodeRef, virtualRouterRef, gateway target, backendGroups, DNS hostname) to an object that does not exist',
  'namespace-not-in-mesh': 'a namespace with mesh objects that no Mesh (or more than one) selects',
  'sidecar-injection-off': "a VirtualNode's pods the sidecar injector will not inject (or a pod it will reject)",
  'ambiguous-selector': 'pods selected by more than one VirtualNode/VirtualGateway',
  'service-name-mismatch': "a VirtualService whose name no Service in cluster DNS answers",
  'selector-misses-pods': "a VirtualService's Service whose selector misses some target pods",
  'route-weights': 'route weights outside 0–100 or summing to 0',
  'port-mismatch': 'listener port ≠ containerPort ≠ Service targetPort, or a call on a port the service does not listen on',
  'undeclared-backend': 'a workload calling a VirtualService its VirtualNode does not list as a backend',
  'short-name-call': 'a call by a shorter name than the one the mesh knows (use the FQDN)',
  'gateway-route-unmatched': 'a GatewayRoute no VirtualGateway (or several) selects',
  'cross-account-unshared': 'an ARN reference to another account without a shared mesh (meshOwner + RAM share)',
  'unknown-envoy-image': 'an Envoy image App Mesh never published',
  'outdated-envoy-image': 'a released Envoy image older than the last release, which the App Mesh controller injects',
  'target-weights': 'Istio or Gateway API weights by which no backend, or not every one, gets its share (a missing or negative weight, a total of 0, over 999 on Lattice)',
  'unknown-subset': 'an Istio route to a subset no DestinationRule for its host defines',
  'missing-backend': 'an Istio destination or a Gateway API backendRef naming a Service that does not exist',
  'sidecar-egress': 'a workload under a REGISTRY_ONLY Sidecar calling a host its egress hosts miss',
  'tls-mode-mismatch': "a DestinationRule's TLS mode the server's PeerAuthentication refuses",
  'lattice-unsupported': 'an HTTPRoute on a VPC Lattice Gateway using what the AWS Gateway API Controller rejects or ignores',
};

export const RULE_IDS = Object.keys(RULE_DESCRIPTIONS) as RuleId[];
