/**
 * What the console's load button may send through: the run's load-balancer entries as they are,
 * and its `exec` entries (a shell in a pod = that pod's sidecar, used as an HTTP proxy) with the
 * virtual-service URLs the pod may call. Those come from the configuration the control plane
 * published to that sidecar — its egress listener's virtual hosts, one per declared HTTP backend —
 * so the button offers exactly what the sidecar routes, at the step the run is at.
 */
import type { LoadEntry } from '@amw/mesh-console';
import type { Walkthrough } from '@amw/mesh-manifests';
import type { MeshWorld } from '../control-plane/world.js';
import type { ProxyConfig } from '../proxy/config.js';

/** An entry as the run reports it: its name, local URL and kind. */
export interface RunEntry {
  name: string;
  url: string;
  kind: 'load-balancer' | 'exec';
}

/** `http://<virtual service>[:port]/` for each HTTP backend of the proxy's egress listener. */
export function egressTargets(config: ProxyConfig | undefined): string[] {
  const egress = config?.listeners.find((l) => l.protocol === 'http' && l.statPrefix === 'egress');
  if (!egress || egress.protocol !== 'http') return [];
  const urls = new Set<string>();
  for (const host of egress.virtualHosts) {
    // The name with its port (`jazz.prod.svc.cluster.local:9080`) is what a caller in the pod dials.
    const domain = host.domains.find((d) => /:\d+$/.test(d)) ?? host.domains[0];
    if (!domain || domain.includes('*')) continue;
    try {
      urls.add(new URL(`http://${domain}/`).href);
    } catch {
      // A domain that is no URL host cannot be asked for through a proxy: not offered.
    }
  }
  return [...urls].sort();
}

/** The run's entries with, for each exec entry, the targets its sidecar routes; one without any is left out. */
export function loadEntriesOf(walkthrough: Walkthrough, world: MeshWorld, configs: readonly ProxyConfig[], entries: readonly RunEntry[]): LoadEntry[] {
  const out: LoadEntry[] = [];
  for (const entry of entries) {
    if (entry.kind === 'load-balancer') {
      out.push({ name: entry.name, url: entry.url, kind: 'load-balancer' });
      continue;
    }
    const spec = walkthrough.entries.find((e) => e.name === entry.name);
    if (spec?.kind !== 'exec') continue;
    const cluster = spec.cluster ?? walkthrough.clusters[0]!.name;
    const instance = world.instances.find((i) => i.cluster === cluster && i.workload.metadata.name === spec.workload.name && i.namespace === spec.workload.namespace);
    if (!instance) continue;
    const config = configs.find((c) => c.node.id.slice(0, c.node.id.lastIndexOf('#')) === instance.key);
    const targets = egressTargets(config);
    if (targets.length > 0) out.push({ name: entry.name, url: entry.url, kind: 'exec', targets });
  }
  return out;
}
