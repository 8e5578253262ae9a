/**
 * CloudFormation building blocks for the ECS renderer: the template shape, long-form intrinsics
 * (plain YAML, no `!Ref` tags, so any YAML reader and the validation tests read them), and the
 * App Mesh API → CloudFormation spelling (PascalCase, with the acronyms CloudFormation spells in
 * capitals: `DNS`, `AWSCloudMap`, `TLS`, `ACM`, `SDS`, `HTTP`, `HTTP2`, `GRPC`, `TCP`).
 */

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface CfnResource {
  Type: string;
  Condition?: string;
  DependsOn?: string[];
  Properties?: Record<string, Json>;
}

export interface CfnParameter {
  Type: string;
  Description: string;
  Default?: string;
  AllowedValues?: string[];
}

export interface CfnTemplate {
  AWSTemplateFormatVersion: '2010-09-09';
  Description: string;
  Parameters?: Record<string, CfnParameter>;
  Conditions?: Record<string, Json>;
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Description: string; Value: Json }>;
}

export const ref = (name: string): Json => ({ Ref: name });
export const getAtt = (resource: string, attribute: string): Json => ({ 'Fn::GetAtt': [resource, attribute] });
export const sub = (text: string): Json => ({ 'Fn::Sub': text });
export const NO_VALUE: Json = { Ref: 'AWS::NoValue' };

/** A logical ID from any name: its alphanumeric runs, each capitalised. */
export function logicalId(...parts: string[]): string {
  return parts
    .join('-')
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

/** Keys CloudFormation's App Mesh resources spell differently from PascalCase of the API's names. */
const APPMESH_KEYS: Record<string, string> = {
  dns: 'DNS',
  awsCloudMap: 'AWSCloudMap',
  tls: 'TLS',
  acm: 'ACM',
  sds: 'SDS',
  http: 'HTTP',
  http2: 'HTTP2',
  grpc: 'GRPC',
  tcp: 'TCP',
};

/** An App Mesh API value (as the SDK types it) in CloudFormation's spelling. */
export function appMeshCfn(value: unknown): Json {
  if (Array.isArray(value)) return value.map(appMeshCfn);
  if (value === null || typeof value !== 'object') return value as Json;
  const out: Record<string, Json> = {};
  for (const [key, child] of Object.entries(value)) {
    if (child === undefined) continue;
    out[APPMESH_KEYS[key] ?? key[0]!.toUpperCase() + key.slice(1)] = appMeshCfn(child);
  }
  return out;
}

/** Every `Ref` and `Fn::GetAtt` target in a value (pseudo parameters excluded). */
export function references(value: unknown): string[] {
  const found: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (v === null || typeof v !== 'object') return;
    for (const [key, child] of Object.entries(v)) {
      if (key === 'Ref' && typeof child === 'string' && !child.startsWith('AWS::')) found.push(child);
      else if (key === 'Fn::GetAtt' && Array.isArray(child) && typeof child[0] === 'string') found.push(child[0]);
      else if (key === 'Fn::Sub' && typeof child === 'string') {
        for (const match of child.matchAll(/\$\{([^}!]+)\}/g)) {
          const name = match[1]!.split('.')[0]!;
          if (!name.startsWith('AWS::')) found.push(name);
        }
      } else walk(child);
    }
  };
  walk(value);
  return found;
}

/** Throws when resources depend on each other in a circle (CloudFormation would refuse the template). */
export function assertAcyclic(template: CfnTemplate, label: string): void {
  const edges = new Map<string, string[]>();
  for (const [id, resource] of Object.entries(template.Resources)) {
    edges.set(id, [...new Set([...(resource.DependsOn ?? []), ...references(resource.Properties ?? {})])].filter((t) => t in template.Resources));
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, path: string[]) => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') throw new Error(`${label}: resources depend on each other in a circle: ${[...path.slice(path.indexOf(id)), id].join(' → ')}`);
    state.set(id, 'visiting');
    for (const next of edges.get(id) ?? []) visit(next, [...path, id]);
    state.set(id, 'done');
  };
  for (const id of edges.keys()) visit(id, []);
}
