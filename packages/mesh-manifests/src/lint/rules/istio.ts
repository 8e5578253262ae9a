/**
 * Rules for Istio manifests (what `k8s/<walkthrough>/istio/` holds, or a learner's own):
 *
 * - `target-weights`: a route whose destinations cannot all receive their share — a weight left
 *   out beside others (Istio gives it none), a negative weight, or weights that sum to 0.
 * - `unknown-subset`: a route names a subset no DestinationRule for that host defines; Istio has
 *   no cluster for it and answers 503.
 * - `missing-backend`: a route's destination host is a cluster DNS name no Service answers.
 * - `sidecar-egress`: a workload under a REGISTRY_ONLY Sidecar calls a host its egress hosts do
 *   not list; the proxy answers 502 (BlackHoleCluster for TCP).
 * - `tls-mode-mismatch`: a DestinationRule's TLS mode the server's PeerAuthentication refuses:
 *   DISABLE or SIMPLE against STRICT (the server wants a client certificate), ISTIO_MUTUAL
 *   against DISABLE (the server speaks plain text). A `tls` block also turns off auto mTLS.
 */
import { asArray, asNumber, asRecord, asString, type Json } from '../access.js';
import { outboundCalls } from '../calls.js';
import { describe, type Entry, type Inventory, type PodTemplate } from '../inventory.js';
import { selects, serviceSelects } from '../selectors.js';
import type { FieldPath } from '../types.js';
import type { Rule, RuleContext } from './context.js';

const NETWORKING = 'networking.istio.io/';
const SECURITY = 'security.istio.io/';

function istio(inventory: Inventory, kind: string, group = NETWORKING): Entry[] {
  return inventory.ofKind(kind).filter((e) => e.apiVersion.startsWith(group));
}

/** The Service a host names from a namespace: `name`, `name.ns`, `name.ns.svc[.cluster.local]`. */
function serviceOfHost(inventory: Inventory, host: string, namespace: string): Entry | undefined {
  const address = inventory.serviceAddress(host, namespace);
  return address ? inventory.find('Service', address.namespace, address.name) : undefined;
}

function fqdnOf(inventory: Inventory, host: string, namespace: string): string {
  const address = inventory.serviceAddress(host, namespace);
  return address ? `${address.name}.${address.namespace}.svc.cluster.local` : host.toLowerCase();
}

interface RouteRef {
  vs: Entry;
  route: Json[];
  path: FieldPath;
}

function routesOf(vs: Entry): RouteRef[] {
  const out: RouteRef[] = [];
  for (const kind of ['http', 'tcp', 'tls'] as const) {
    asArray(vs.spec[kind]).forEach((entry, i) => {
      const route = asArray(asRecord(entry).route).map(asRecord);
      if (route.length) out.push({ vs, route, path: ['spec', kind, i, 'route'] });
    });
  }
  return out;
}

function checkWeights(context: RuleContext, { vs, route, path }: RouteRef): void {
  if (route.length < 2) return;
  let sum = 0;
  route.forEach((destination, i) => {
    const raw = destination.weight;
    const weight = asNumber(raw);
    const host = asString(asRecord(destination.destination).host) ?? 'a destination';
    if (raw === undefined) {
      context.report({
        ruleId: 'target-weights',
        severity: 'error',
        entry: vs,
        path: [...path, i],
        message: `destination ${host} of ${describe(vs)} has no weight while ${route.length - 1} other destination(s) share the route; with several destinations Istio gives a destination without a weight no traffic`,
        fix: 'give every destination of the route a weight (weights are relative: 1 and 1 split evenly)',
      });
      return;
    }
    if (weight === undefined || !Number.isInteger(weight) || weight < 0) {
      context.report({
        ruleId: 'target-weights',
        severity: 'error',
        entry: vs,
        path: [...path, i, 'weight'],
        message: `destination ${host} of ${describe(vs)} weighs ${JSON.stringify(raw)}; Istio takes whole numbers from 0`,
        fix: 'set the weight to a whole number of 0 or more',
      });
      return;
    }
    sum += weight;
  });
  if (sum === 0 && route.every((d) => asNumber(d.weight) !== undefined)) {
    context.report({
      ruleId: 'target-weights',
      severity: 'error',
      entry: vs,
      path,
      message: `every destination of this route of ${describe(vs)} weighs 0, so no destination receives a request (Istio rejects a total weight of 0)`,
      fix: 'give at least one destination a positive weight',
    });
  }
}

function checkDestinations(context: RuleContext, ref: RouteRef): void {
  const { inventory } = context;
  const namespace = ref.vs.namespace ?? 'default';
  ref.route.forEach((d, i) => {
    const destination = asRecord(d.destination);
    const host = asString(destination.host);
    if (!host) return;
    const clusterLocal = host.endsWith('.svc.cluster.local') || !host.includes('.') || host.split('.').length === 2;
    const service = serviceOfHost(inventory, host, namespace);
    if (!service) {
      if (clusterLocal && !istio(inventory, 'ServiceEntry').some((se) => asArray(se.spec.hosts).includes(host))) {
        context.report({
          ruleId: 'missing-backend',
          severity: 'error',
          entry: ref.vs,
          path: [...ref.path, i, 'destination', 'host'],
          message: `${describe(ref.vs)} routes to ${host}, but no Service answers that name; Istio has no endpoints for it and answers 503`,
          fix: `add the Service (or correct the host to an existing one's name)`,
        });
      }
      return;
    }
    const subset = asString(destination.subset);
    if (!subset) return;
    const fqdn = fqdnOf(inventory, host, namespace);
    const rules = istio(inventory, 'DestinationRule').filter((dr) => fqdnOf(inventory, asString(dr.spec.host) ?? '', dr.namespace ?? 'default') === fqdn);
    const defined = rules.some((dr) => asArray(dr.spec.subsets).some((s) => asString(asRecord(s).name) === subset));
    if (!defined) {
      context.report({
        ruleId: 'unknown-subset',
        severity: 'error',
        entry: ref.vs,
        path: [...ref.path, i, 'destination', 'subset'],
        message: `${describe(ref.vs)} routes to subset ${subset} of ${fqdn}, which ${rules.length ? `no DestinationRule for that host (${rules.map(describe).join(', ')}) defines` : 'no DestinationRule defines (there is none for that host)'}; Istio answers 503 for requests sent there`,
        fix: `add a subset named ${subset}, with the labels of its pods, to the DestinationRule for ${fqdn}`,
      });
    }
  });
}

/** The mutual-TLS mode the pods of a Service require: the workload's PeerAuthentication, else the namespace's, else PERMISSIVE. */
function serverMode(inventory: Inventory, pods: PodTemplate[], namespace: string): { mode: string; by?: Entry } {
  const policies = istio(inventory, 'PeerAuthentication', SECURITY);
  for (const pod of pods) {
    const own = policies.find((pa) => pa.namespace === pod.namespace && pa.spec.selector !== undefined && selects(pa.spec.selector, pod.labels));
    const mode = asString(asRecord(own?.spec.mtls).mode);
    if (own && mode) return { mode, by: own };
  }
  const wide = policies.find((pa) => pa.namespace === namespace && pa.spec.selector === undefined);
  const mode = asString(asRecord(wide?.spec.mtls).mode);
  return wide && mode ? { mode, by: wide } : { mode: 'PERMISSIVE' };
}

function checkTls(context: RuleContext, dr: Entry): void {
  const { inventory } = context;
  const host = asString(dr.spec.host);
  if (!host) return;
  const service = serviceOfHost(inventory, host, dr.namespace ?? 'default');
  if (!service?.namespace) return;
  const pods = inventory.pods.filter((p) => p.namespace === service.namespace && serviceSelects(service.spec.selector, p.labels));
  const server = serverMode(inventory, pods, service.namespace);
  const places: { tls: Json; path: FieldPath }[] = [];
  const top = asRecord(asRecord(dr.spec.trafficPolicy).tls);
  if (asString(top.mode)) places.push({ tls: top, path: ['spec', 'trafficPolicy', 'tls', 'mode'] });
  asArray(dr.spec.subsets).forEach((s, i) => {
    const tls = asRecord(asRecord(asRecord(s).trafficPolicy).tls);
    if (asString(tls.mode)) places.push({ tls, path: ['spec', 'subsets', i, 'trafficPolicy', 'tls', 'mode'] });
  });
  for (const { tls, path } of places) {
    const mode = asString(tls.mode)!;
    const refused =
      server.mode === 'STRICT' && (mode === 'DISABLE' || mode === 'SIMPLE')
        ? `clients send ${mode === 'DISABLE' ? 'plain text' : 'TLS without a client certificate'}, but ${server.by ? describe(server.by) : 'the server'} requires mutual TLS (STRICT)`
        : server.mode === 'DISABLE' && mode === 'ISTIO_MUTUAL'
          ? `clients open mutual TLS, but ${server.by ? describe(server.by) : 'the server'} turns it off (DISABLE) and expects plain text`
          : undefined;
    if (!refused) continue;
    context.report({
      ruleId: 'tls-mode-mismatch',
      severity: 'error',
      entry: dr,
      path,
      message: `${describe(dr)} sets TLS mode ${mode} for ${host}: ${refused}, so every request fails (503)`,
      fix: 'remove the tls block (Istio then picks mutual TLS by itself: auto mTLS), or make the modes agree',
    });
  }
}

/** Whether a Sidecar egress host (`ns/host`, `./host`, any namespace as `*`, every host as `ns/*`) covers a Service's full name. */
function egressCovers(pattern: string, fqdn: string, serviceNamespace: string, sidecarNamespace: string): boolean {
  const slash = pattern.indexOf('/');
  if (slash < 0) return false;
  const ns = pattern.slice(0, slash);
  const host = pattern.slice(slash + 1).toLowerCase();
  if (ns !== '*' && (ns === '.' ? sidecarNamespace : ns) !== serviceNamespace) return false;
  if (host === '*') return true;
  if (host.startsWith('*.')) return fqdn.endsWith(host.slice(1));
  return host === fqdn;
}

function checkSidecars(context: RuleContext): void {
  const { inventory } = context;
  for (const sidecar of istio(inventory, 'Sidecar')) {
    if (asString(asRecord(sidecar.spec.outboundTrafficPolicy).mode) !== 'REGISTRY_ONLY') continue;
    const selector = asRecord(sidecar.spec.workloadSelector).labels;
    const pods = inventory.pods.filter((p) => p.namespace === sidecar.namespace && (selector === undefined || selects({ matchLabels: selector }, p.labels)));
    const hosts = asArray(sidecar.spec.egress).flatMap((e) => asArray(asRecord(e).hosts).map(String));
    for (const pod of pods) {
      for (const call of outboundCalls(pod)) {
        const address = inventory.serviceAddress(call.host, pod.namespace);
        if (!address) continue;
        const fqdn = `${address.name}.${address.namespace}.svc.cluster.local`;
        if (hosts.some((h) => egressCovers(h, fqdn, address.namespace, sidecar.namespace ?? 'default'))) continue;
        context.report({
          ruleId: 'sidecar-egress',
          severity: 'error',
          entry: pod.owner,
          path: call.path,
          message: `${describe(pod.owner)} calls ${call.host}${call.port ? `:${call.port}` : ''} (${call.origin}), but ${describe(sidecar)} allows only registered egress hosts (REGISTRY_ONLY) and lists ${hosts.join(', ') || 'none'}; the proxy answers 502`,
          fix: `add ${address.namespace}/${fqdn} to the Sidecar's egress hosts`,
        });
      }
    }
  }
}

export const istioRules: Rule = {
  ids: ['target-weights', 'unknown-subset', 'missing-backend', 'sidecar-egress', 'tls-mode-mismatch'],
  check(context) {
    for (const vs of istio(context.inventory, 'VirtualService')) {
      for (const route of routesOf(vs)) {
        checkWeights(context, route);
        checkDestinations(context, route);
      }
    }
    for (const dr of istio(context.inventory, 'DestinationRule')) checkTls(context, dr);
    checkSidecars(context);
  },
};
