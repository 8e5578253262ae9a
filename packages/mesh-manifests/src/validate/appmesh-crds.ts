/**
 * Validates App Mesh objects against the controller's own CRDs (read from disk, never copied into
 * this repository): `spec.versions[0].schema.openAPIV3Schema` compiled with Ajv. One stricter rule
 * than the API server: a field the schema does not know is an error, because the API server would
 * silently drop it and the learner would never know why it had no effect.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';

/** `../shared/schemas/appmesh-crds` next to the repository, where CI and the developers' machines keep it. */
export function defaultCrdDirectory(): string {
  const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  return resolve(packageDir, '..', '..', '..', 'shared', 'schemas', 'appmesh-crds');
}

export function crdDirectoryExists(directory = defaultCrdDirectory()): boolean {
  return existsSync(directory);
}

type Schema = Record<string, unknown>;

/** Objects with known properties and no open-ended part reject unknown fields, as `kubectl --validate=strict` would. */
function closeObjects(schema: Schema): Schema {
  const out: Schema = { ...schema };
  if (out.properties && typeof out.properties === 'object') {
    out.properties = Object.fromEntries(Object.entries(out.properties as Record<string, Schema>).map(([k, v]) => [k, closeObjects(v)]));
    if (out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields']) out.additionalProperties = false;
  }
  if (out.items && typeof out.items === 'object') out.items = closeObjects(out.items as Schema);
  if (out.additionalProperties && typeof out.additionalProperties === 'object') out.additionalProperties = closeObjects(out.additionalProperties as Schema);
  return out;
}

export interface AppMeshValidator {
  kinds: string[];
  validate(object: object): string[];
}

export function loadAppMeshValidator(directory = defaultCrdDirectory()): AppMeshValidator {
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
  ajv.addFormat('date-time', { type: 'string', validate: (text: string) => !Number.isNaN(Date.parse(text)) });
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31 });
  const validators = new Map<string, ValidateFunction>();
  for (const file of readdirSync(directory).filter((f) => f.endsWith('.yaml')).sort()) {
    const crd = parse(readFileSync(join(directory, file), 'utf8')) as {
      spec: { group: string; names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: Schema } }[] };
    };
    const version = crd.spec.versions[0]!;
    validators.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, ajv.compile(closeObjects(version.schema.openAPIV3Schema)));
  }
  if (!validators.size) throw new Error(`no CRDs found in ${directory}`);
  return {
    kinds: [...validators.keys()],
    validate(value) {
      const object = value as { apiVersion?: unknown; kind?: unknown };
      const key = `${String(object.apiVersion)}/${String(object.kind)}`;
      const validator = validators.get(key);
      if (!validator) return [`no App Mesh CRD for ${key}`];
      if (validator(object)) return [];
      return (validator.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.keyword === 'additionalProperties' ? `: ${String(e.params.additionalProperty)}` : ''}`);
    },
  };
}
