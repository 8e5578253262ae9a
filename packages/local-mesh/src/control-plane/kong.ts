/**
 * What the Kong Ingress Controller would configure Kong with, from the walkthrough's Kubernetes
 * objects: routes from Ingresses of class `kong` (strip path and preserve host from annotations,
 * the upstream Host from the Service's `konghq.com/host-header`), plugins named by
 * `konghq.com/plugins`, consumers and their key-auth credentials from Secrets.
 */
import { K8S, type Ingress, type KongPlugin } from '@amw/mesh-manifests';
import type { KongConfig, KongPluginConfig, KongRoute } from '../kong/config.js';
import type { MeshWorld } from './world.js';

export class KongConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KongConfigError';
  }
}

const SUPPORTED_PLUGINS = new Set(['key-auth', 'rate-limiting']);

function isKongIngress(ingress: Ingress): boolean {
  return ingress.spec.ingressClassName === 'kong' || ingress.metadata.annotations?.[K8S.ingressClass] === 'kong';
}

function plugin(world: MeshWorld, cluster: string, namespace: string | undefined, name: string): KongPluginConfig {
  const found = world.get('KongPlugin', cluster, namespace, name);
  if (!found) throw new KongConfigError(`Ingress annotation ${K8S.kongPlugins} names KongPlugin ${name}, which does not exist in namespace ${namespace}`);
  const kongPlugin: KongPlugin = found.object;
  if (!SUPPORTED_PLUGINS.has(kongPlugin.plugin)) {
    throw new KongConfigError(`KongPlugin ${name} uses plugin ${kongPlugin.plugin}; the local Kong runs ${[...SUPPORTED_PLUGINS].join(' and ')}`);
  }
  return { name: kongPlugin.plugin as KongPluginConfig['name'], instance: name, config: kongPlugin.config ?? {} };
}

export function kongConfig(world: MeshWorld, cluster: string, upstreamProxy: { host: string; port: number }): KongConfig {
  const routes: KongRoute[] = [];
  for (const { cluster: at, object: ingress } of world.all('Ingress')) {
    if (at !== cluster || !isKongIngress(ingress)) continue;
    const annotations = ingress.metadata.annotations ?? {};
    const ns = ingress.metadata.namespace;
    const plugins = (annotations[K8S.kongPlugins] ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)
      .map((name) => plugin(world, cluster, ns, name));
    for (const rule of ingress.spec.rules) {
      for (const path of rule.http.paths) {
        const backend = path.backend.service;
        const service = world.get('Service', cluster, ns, backend.name);
        const hostHeader = service?.object.metadata.annotations?.[K8S.kongHostHeader];
        routes.push({
          name: `${ns}.${ingress.metadata.name}.${backend.name}.${backend.port.number}`,
          paths: [path.path],
          hosts: rule.host ? [rule.host] : [],
          stripPath: annotations[K8S.kongStripPath] === 'true',
          // KIC keeps the client's Host unless told otherwise.
          preserveHost: annotations[K8S.kongPreserveHost] !== 'false',
          service: { host: hostHeader ?? `${backend.name}.${ns}.svc.cluster.local`, port: backend.port.number },
          plugins,
        });
      }
    }
  }
  const consumers = world
    .all('KongConsumer')
    .filter((c) => c.cluster === cluster)
    .map(({ object: consumer }) => {
      const keys = (consumer.credentials ?? []).flatMap((secretName) => {
        const secret = world.get('Secret', cluster, consumer.metadata.namespace, secretName);
        if (!secret) throw new KongConfigError(`KongConsumer ${consumer.metadata.name} names credential Secret ${secretName}, which does not exist`);
        const type = secret.object.metadata.labels?.[K8S.kongCredential] ?? secret.object.stringData.kongCredType;
        if (type !== 'key-auth') return [];
        const key = secret.object.stringData.key;
        if (!key) throw new KongConfigError(`Secret ${secretName} is a key-auth credential without a "key" entry`);
        return [key];
      });
      return { id: `${consumer.metadata.namespace}.${consumer.metadata.name}`, username: consumer.username, keys };
    });
  return { routes, consumers, upstreamProxy };
}
