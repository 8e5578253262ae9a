/**
 * A small schema of our own for the Kong objects the walkthroughs render (Kong's CRDs are not
 * vendored here): the shape Kong documents today for KongPlugin and KongConsumer, and the
 * credential Secret a KongConsumer names.
 */
import { Ajv } from 'ajv';

const metadata = {
  type: 'object',
  required: ['name', 'namespace'],
  properties: {
    name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' },
    namespace: { type: 'string', minLength: 1 },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    annotations: { type: 'object', additionalProperties: { type: 'string' } },
  },
  additionalProperties: false,
};

const SCHEMAS = {
  KongPlugin: {
    type: 'object',
    required: ['apiVersion', 'kind', 'metadata', 'plugin'],
    properties: {
      apiVersion: { const: 'configuration.konghq.com/v1' },
      kind: { const: 'KongPlugin' },
      metadata,
      plugin: { type: 'string', pattern: '^[a-z][a-z0-9-]*$' },
      config: { type: 'object' },
      disabled: { type: 'boolean' },
    },
    additionalProperties: false,
  },
  KongConsumer: {
    type: 'object',
    required: ['apiVersion', 'kind', 'metadata', 'username'],
    properties: {
      apiVersion: { const: 'configuration.konghq.com/v1' },
      kind: { const: 'KongConsumer' },
      metadata: {
        ...metadata,
        required: ['name', 'namespace', 'annotations'],
        properties: {
          ...metadata.properties,
          annotations: {
            type: 'object',
            required: ['kubernetes.io/ingress.class'],
            additionalProperties: { type: 'string' },
          },
        },
      },
      username: { type: 'string', minLength: 1 },
      custom_id: { type: 'string' },
      credentials: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true },
    },
    additionalProperties: false,
  },
} as const;

const ajv = new Ajv({ allErrors: true });
const validators = Object.fromEntries(Object.entries(SCHEMAS).map(([kind, schema]) => [kind, ajv.compile(schema)]));

export const KONG_KINDS = Object.keys(SCHEMAS);

export function validateKongObject(object: object): string[] {
  const kind = String((object as { kind?: unknown }).kind);
  const validator = validators[kind];
  if (!validator) return [`no Kong schema for kind ${kind}`];
  if (validator(object)) return [];
  return (validator.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
}

interface Loose {
  kind?: unknown;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  credentials?: unknown;
  stringData?: Record<string, string>;
}

/** Each credential a consumer names is a Secret in its namespace labelled with the plugin it is for, holding a `key`. */
export function validateKongCredentials(objects: readonly Loose[]): string[] {
  const problems: string[] = [];
  for (const consumer of objects.filter((o) => o.kind === 'KongConsumer')) {
    for (const name of (consumer.credentials as string[] | undefined) ?? []) {
      const secret = objects.find((o) => o.kind === 'Secret' && o.metadata?.name === name && o.metadata.namespace === consumer.metadata?.namespace);
      if (!secret) {
        problems.push(`KongConsumer ${consumer.metadata?.name} names credential ${name}, but no Secret ${name} is in namespace ${consumer.metadata?.namespace}`);
        continue;
      }
      const type = secret.metadata?.labels?.['konghq.com/credential'];
      if (!type) problems.push(`Secret ${name} lacks the label konghq.com/credential naming its plugin (e.g. key-auth)`);
      if (type === 'key-auth' && !secret.stringData?.key) problems.push(`key-auth Secret ${name} has no "key"`);
    }
  }
  return problems;
}
