/**
 * What an Istio ingress gateway pod serves: the Gateway objects whose selector matches its labels,
 * their servers by port, and for each the VirtualServices bound to that Gateway whose hosts meet
 * the server's hosts.
 */
import type { Instance } from '../control-plane/world.js';
import { fail, hostFqdn, isJson, labelsMatch, labelsOf, onlyKnown, specOf, stringList } from './istio-objects.js';
import { gatewayRef } from './istio-routes.js';
import type { Sourced } from './rendered-files.js';
import type { TargetWorld } from './target-world.js';

export interface BoundHost {
  vs: Sourced;
  /** The authority the routes answer for: a host, or `*`. */
  domain: string;
  /** `<namespace>/<name>` of the Gateways this server belongs to, for match.gateways. */
  gateways: string[];
}

/** A server host `ns/host` (or `host`): the namespaces whose VirtualServices it takes, and the host. */
function serverHost(entry: string, gatewayNamespace: string | undefined): { namespace: string; host: string } {
  const slash = entry.indexOf('/');
  if (slash < 0) return { namespace: '*', host: entry };
  const namespace = entry.slice(0, slash);
  return { namespace: namespace === '.' ? (gatewayNamespace ?? 'default') : namespace, host: entry.slice(slash + 1) };
}

/** The host both sides accept, or undefined: `*` meets anything; partial wildcards are refused. */
function meet(source: Sourced, a: string, b: string): string | undefined {
  for (const host of [a, b]) if (host !== '*' && host.includes('*')) fail(source, `host ${host} is a partial wildcard, which the local proxy does not match`, 'use * or an exact host');
  if (a === '*') return b;
  if (b === '*') return a;
  return a === b ? a : undefined;
}

/** By server port: the VirtualService hosts the pod answers for on it, in file order. */
export function gatewayHosts(world: TargetWorld, pod: Instance): Map<number, BoundHost[]> {
  const labels = labelsOf(pod);
  const gateways = world.all('Gateway', pod.cluster).filter((g) => {
    const selector = specOf(g).selector;
    return isJson(selector) && Object.keys(selector).length > 0 && labelsMatch(selector, labels);
  });
  const out = new Map<number, BoundHost[]>();
  const services = world.all('VirtualService', pod.cluster);
  for (const gateway of gateways) {
    const spec = specOf(gateway);
    onlyKnown(gateway, spec, ['selector', 'servers'], 'spec');
    const ref = `${gateway.object.metadata.namespace ?? 'default'}/${gateway.object.metadata.name}`;
    for (const server of Array.isArray(spec.servers) ? spec.servers : []) {
      if (!isJson(server) || !isJson(server.port) || typeof server.port.number !== 'number') fail(gateway, 'a server has no port.number', 'write port: {number, name, protocol}');
      onlyKnown(gateway, server, ['port', 'hosts', 'name'], 'server');
      const protocol = String(server.port.protocol ?? '').toUpperCase();
      if (protocol !== 'HTTP' && protocol !== 'HTTP2') fail(gateway, `server port ${server.port.number} speaks ${protocol || 'no protocol'}; the local gateway serves HTTP`, 'use protocol HTTP (TLS termination is not implemented locally)');
      const port = server.port.number;
      const bound = out.get(port) ?? [];
      for (const vs of services) {
        const vsSpec = specOf(vs);
        const namespace = vs.object.metadata.namespace ?? 'default';
        if (!stringList(vsSpec.gateways).some((g) => gatewayRef(g, namespace) === ref)) continue;
        for (const entry of stringList(server.hosts)) {
          const { namespace: allowed, host } = serverHost(entry, gateway.object.metadata.namespace);
          if (allowed !== '*' && allowed !== namespace) continue;
          for (const vsHost of stringList(vsSpec.hosts)) {
            const domain = meet(vs, vsHost === '*' ? '*' : hostFqdn(vsHost, namespace), host === '*' ? '*' : host);
            if (domain !== undefined && !bound.some((b) => b.vs === vs && b.domain === domain)) bound.push({ vs, domain, gateways: [ref] });
          }
        }
      }
      out.set(port, bound);
    }
  }
  return out;
}
