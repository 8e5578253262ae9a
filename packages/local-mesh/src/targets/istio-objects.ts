/**
 * Reading Istio's objects from rendered files, which may have been edited by hand: typed access
 * to loosely typed specs, Go durations, Kubernetes DNS forms, port protocols, and the one-line
 * error that names the object, its file and the fix.
 */
import { ResolveError } from '../control-plane/resolve.js';
import type { Instance } from '../control-plane/world.js';
import type { Sourced } from './rendered-files.js';

export type Json = Record<string, unknown>;

export const isJson = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

export function specOf(sourced: Sourced): Json {
  return isJson(sourced.object.spec) ? sourced.object.spec : {};
}

/** `VirtualService mesh-test/svc-v (k8s/…/virtual-services.yaml)`: how errors name an object. */
export function describe(sourced: Sourced): string {
  const { kind, metadata } = sourced.object;
  return `${kind} ${metadata.namespace ? `${metadata.namespace}/` : ''}${metadata.name} (${sourced.file})`;
}

/** One line: the object, its file, what the local mesh cannot do, and how to fix it. */
export function fail(sourced: Sourced, problem: string, fix: string): never {
  throw new ResolveError(`${describe(sourced)}: ${problem}; ${fix}`);
}

/** Fields the resolver does not know, which Istio would act on: refused rather than dropped. */
export function onlyKnown(sourced: Sourced, value: Json, known: readonly string[], where: string): void {
  const unknown = Object.keys(value).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    fail(sourced, `${where} uses ${unknown.join(', ')}, which the local mesh does not implement`, `remove it, or use ${known.join(', ')}`);
  }
}

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };

/** A Go duration (`15s`, `1m30s`, `250ms`), as Istio's protobuf Durations are written in YAML. */
export function durationMs(sourced: Sourced, value: unknown, field: string): number {
  const text = typeof value === 'string' ? value.trim() : '';
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)];
  if (!text || parts.map((p) => p[0]).join('') !== text) fail(sourced, `${field} is ${JSON.stringify(value)}, not a duration`, 'write it like 15s, 250ms or 1m30s');
  return Math.round(parts.reduce((sum, [, n, unit]) => sum + Number(n) * UNIT_MS[unit!]!, 0));
}

export const fqdn = (name: string, namespace: string) => `${name}.${namespace}.svc.cluster.local`;

/**
 * A host as Istio reads it in a VirtualService or DestinationRule: a short name (no dot) is a
 * Service of the object's own namespace; anything with a dot is taken as written.
 */
export function hostFqdn(host: string, namespace: string | undefined): string {
  const lower = host.toLowerCase().replace(/\.$/, '');
  return lower.includes('.') || lower.includes('*') ? lower : fqdn(lower, namespace ?? 'default');
}

/** The names a pod in `fromNamespace` can call a Service by, with and without its port. */
export function dnsForms(name: string, namespace: string, fromNamespace: string | undefined, ports: number[], bare: boolean): string[] {
  const names = [fqdn(name, namespace), `${name}.${namespace}.svc`, `${name}.${namespace}`];
  if (namespace === fromNamespace) names.push(name);
  return [...(bare ? names : []), ...names.flatMap((n) => ports.map((p) => `${n}:${p}`))];
}

export interface ServicePort {
  name?: string;
  port: number;
  appProtocol?: string;
  targetPort?: number | string;
}

export function servicePorts(service: Sourced): ServicePort[] {
  const ports = specOf(service).ports;
  if (!Array.isArray(ports)) return [];
  return ports.filter((p): p is ServicePort => isJson(p) && typeof p.port === 'number');
}

/** gRPC and HTTP/2 are routed by Istio, but the local proxy speaks HTTP/1: such ports are carried as connections. */
const TCP_PROTOCOLS = new Set(['tcp', 'tls', 'https', 'mongo', 'mysql', 'redis', 'grpc', 'grpc-web', 'http2', 'h2c']);

/**
 * Istio's protocol selection: `appProtocol`, else the port name's prefix (`tcp-db`, `redis`).
 * An unnamed port is sniffed by Istio; the local apps behind one speak HTTP/1.
 */
export function portProtocol(port: ServicePort): 'http' | 'tcp' {
  const declared = (port.appProtocol ?? port.name?.split('-')[0] ?? '').toLowerCase();
  return TCP_PROTOCOLS.has(declared) ? 'tcp' : 'http';
}

export function labelsOf(instance: Instance): Record<string, string> {
  return instance.workload.spec.podLabels ?? {};
}

export function labelsMatch(selector: unknown, labels: Record<string, string>): boolean {
  if (!isJson(selector)) return true;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

export function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
