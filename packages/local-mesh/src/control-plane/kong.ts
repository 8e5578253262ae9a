/**
 * What the Kong Ingress Controller would configure Kong with, from the walkthrough's Kubernetes
 * objects: routes from Ingresses of class `kong` (strip path and preserve host from annotations,
 * the upstream Host from the Service's `konghq.com/host-header`), plugins named by
 * `konghq.com/plugins`, consumers and their key-auth credentials from Secrets.
 */
import { K8S, type Ingress, type KongConsumer, type KongPlugin, type Secret, type Service } from '@amw/mesh-manifests';
import type { KongConfig, KongPluginConfig, KongRoute } from '../kong/config.js';

/**
 * Where the Kubernetes objects come from: the App Mesh definition (MeshWorld) or a live target's
 * rendered files (TargetWorld). A rendered object may carry its file, which errors then name.
 */
export interface KongObjects {
  all(kind: 'Ingress' | 'KongConsumer'): { cluster: string; object: object; file?: string }[];
  get(kind: 'KongPlugin' | 'Service' | 'Secret', cluster: string, namespace: string | undefined, name: string): { cluster: string; object: object; file?: string } | undefined;
}

const at = (found: { file?: string }) => (found.file ? ` (${found.file})` : '');

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

function plugin(world: KongObjects, cluster: string, namespace: string | undefined, name: string): KongPluginConfig {
  const found = world.get('KongPlugin', cluster, namespace, name);
  if (!found) throw new KongConfigError(`Ingress annotation ${K8S.kongPlugins} names KongPlugin ${name}, which does not exist in namespace ${namespace}`);
  const kongPlugin = found.object as KongPlugin;
  if (typeof kongPlugin.plugin !== 'string' || !SUPPORTED_PLUGINS.has(kongPlugin.plugin)) {
    throw new KongConfigError(`KongPlugin ${name}${at(found)} uses plugin ${String(kongPlugin.plugin)}; the local Kong runs ${[...SUPPORTED_PLUGINS].join(' and ')}`);
  }
  return { name: kongPlugin.plugin as KongPluginConfig['name'], instance: name, config: kongPlugin.config ?? {} };
}

/** A key-auth Secret's entry: `stringData` as written, or `data` as Kubernetes stores it (base64). */
function secretValue(secret: Secret, key: string): string | undefined {
  const plain = (secret.stringData as Record<string, string> | undefined)?.[key];
  if (plain !== undefined) return plain;
  const encoded = (secret as { data?: Record<string, string> }).data?.[key];
  return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
}

export function kongConfig(world: KongObjects, cluster: string, upstreamProxy: { host: string; port: number }): KongConfig {
  const routes: KongRoute[] = [];
  for (const found of world.all('Ingress')) {
    const ingress = found.object as Ingress;
    if (found.cluster !== cluster || !isKongIngress(ingress)) continue;
    const annotations = ingress.metadata.annotations ?? {};
    const ns = ingress.metadata.namespace;
    const plugins = (annotations[K8S.kongPlugins] ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)
      .map((name) => plugin(world, cluster, ns, name));
    for (const rule of ingress.spec.rules ?? []) {
      for (const path of rule.http?.paths ?? []) {
        const backend = path.backend?.service;
        if (!backend?.name || typeof backend.port?.number !== 'number' || typeof path.path !== 'string') {
          throw new KongConfigError(`Ingress ${ns ?? ''}/${ingress.metadata.name}${at(found)} has a path without path, backend.service.name and backend.service.port.number; the local Kong needs all three`);
        }
        const service = world.get('Service', cluster, ns, backend.name)?.object as Service | undefined;
        const hostHeader = service?.metadata.annotations?.[K8S.kongHostHeader];
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
    .map((found) => {
      const consumer = found.object as KongConsumer;
      const keys = (consumer.credentials ?? []).flatMap((secretName) => {
        const entry = world.get('Secret', cluster, consumer.metadata.namespace, secretName);
        if (!entry) throw new KongConfigError(`KongConsumer ${consumer.metadata.name}${at(found)} names credential Secret ${secretName}, which does not exist`);
        const secret = entry.object as Secret;
        const type = secret.metadata.labels?.[K8S.kongCredential] ?? secretValue(secret, 'kongCredType');
        if (type !== 'key-auth') return [];
        const key = secretValue(secret, 'key');
        if (!key) throw new KongConfigError(`Secret ${secretName}${at(entry)} is a key-auth credential without a "key" entry`);
        return [key];
      });
      return { id: `${consumer.metadata.namespace}.${consumer.metadata.name}`, username: consumer.username, keys };
    });
  return { routes, consumers, upstreamProxy };
}
