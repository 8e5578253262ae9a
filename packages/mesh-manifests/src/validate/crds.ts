/**
 * Validates custom resources against their CustomResourceDefinitions, read from folders on disk
 * (one per schema set; `schema-location.ts` finds or downloads them, they are never copied into
 * this repository): App Mesh's, Istio's, the Gateway API's (standard channel) and the Lattice
 * controller's. Every served version's `openAPIV3Schema` is compiled with Ajv. One rule is stricter
 * than the API server: a field the schema does not know is an error, because the API server would
 * silently drop it and the learner would never know why it had no effect. CEL rules
 * (`x-kubernetes-validations`) are not evaluated here; the lint checks the ones that matter.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { yamlFiles } from './yaml-files.js';

/** The schema sets, each a folder under the schemas directory. */
export const SCHEMA_SETS = {
  'appmesh-crds': 'App Mesh controller CRDs',
  'istio-crds': 'Istio CRDs',
  'gateway-api-crds': 'Gateway API CRDs (standard channel)',
  'lattice-crds': 'AWS Gateway API Controller (VPC Lattice) CRDs',
} as const;

export type SchemaSet = keyof typeof SCHEMA_SETS;

/** Which set holds the CRD of an API group. */
export function schemaSetOf(apiVersion: string): SchemaSet | undefined {
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  if (group === 'appmesh.k8s.aws') return 'appmesh-crds';
  if (group.endsWith('.istio.io')) return 'istio-crds';
  if (group === 'gateway.networking.k8s.io') return 'gateway-api-crds';
  if (group === 'application-networking.k8s.aws') return 'lattice-crds';
  return undefined;
}

export const ALL_SCHEMA_SETS = Object.keys(SCHEMA_SETS) as SchemaSet[];

/** The sets whose CRDs the given objects need, in SCHEMA_SETS order. */
export function schemaSetsUsedBy(objects: Iterable<{ apiVersion?: unknown }>): SchemaSet[] {
  const used = new Set<SchemaSet | undefined>();
  for (const object of objects) used.add(schemaSetOf(String(object.apiVersion)));
  return ALL_SCHEMA_SETS.filter((set) => used.has(set));
}

/** The folder of each set's CRD files. */
export type SchemaFolders = Partial<Record<SchemaSet, string>>;

/** The schema sets present in a schemas directory (a folder with one sub-folder per set, named as in SCHEMA_SETS). */
export function availableSchemaSets(directory: string): SchemaSet[] {
  return ALL_SCHEMA_SETS.filter((set) => existsSync(join(directory, set)) && statSync(join(directory, set)).isDirectory());
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
  for (const key of ['oneOf', 'anyOf', 'allOf'] as const) {
    if (Array.isArray(out[key])) out[key] = (out[key] as Schema[]).map((s) => (s.properties ? closeObjects(s) : s));
  }
  // A CRD's `int-or-string` fields take either; JSON Schema has no such keyword.
  if (out['x-kubernetes-int-or-string']) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  return out;
}

const OBJECT_META: Schema = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1 },
    namespace: { type: 'string', minLength: 1 },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    annotations: { type: 'object', additionalProperties: { type: 'string' } },
  },
};

/** Some CRDs (Istio's) describe only spec and status: the API server supplies apiVersion, kind and metadata. */
function withObjectMeta(schema: Schema): Schema {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  return {
    ...schema,
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      ...properties,
      metadata: OBJECT_META,
    },
  };
}

export interface CrdValidator {
  /** `group/version/Kind` of every CRD version known. */
  kinds: string[];
  sets: SchemaSet[];
  /** Whether a CRD for this apiVersion and kind is known. */
  knows(object: { apiVersion?: unknown; kind?: unknown }): boolean;
  validate(object: object): string[];
}

interface Crd {
  spec?: { group: string; names: { kind: string }; versions: { name: string; served?: boolean; schema?: { openAPIV3Schema: Schema } }[] };
}

function newAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31 });
  ajv.addFormat('date-time', { type: 'string', validate: (text: string) => !Number.isNaN(Date.parse(text)) });
  // Formats the API server knows but leaves to the CEL rules or to the controllers here.
  for (const name of ['duration', 'string', 'byte', 'uint32', 'double', 'float', 'hostname', 'uri', 'ipv4', 'ipv6', 'cidr']) ajv.addFormat(name, true);
  return ajv;
}

/** Reads the CRDs of the given sets under a schemas directory (all that are present by default). */
export function loadCrdValidator(directory: string, sets: readonly SchemaSet[] = availableSchemaSets(directory)): CrdValidator {
  return loadCrdValidatorFrom(Object.fromEntries(sets.map((set) => [set, join(directory, set)])));
}

/** Reads the CRDs of each set from its own folder. */
export function loadCrdValidatorFrom(folders: SchemaFolders): CrdValidator {
  const ajv = newAjv();
  const validators = new Map<string, ValidateFunction>();
  const sets = ALL_SCHEMA_SETS.filter((set) => folders[set] !== undefined);
  for (const set of sets) {
    const dir = folders[set]!;
    if (!existsSync(dir)) throw new Error(`no ${SCHEMA_SETS[set]} in ${dir}`);
    let found = 0;
    for (const file of yamlFiles(dir)) {
      for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
        const crd = doc.toJS() as Crd | null;
        if (!crd?.spec?.versions) continue;
        for (const version of crd.spec.versions) {
          if (version.served === false || !version.schema) continue;
          validators.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, ajv.compile(closeObjects(withObjectMeta(version.schema.openAPIV3Schema))));
          found++;
        }
      }
    }
    if (!found) throw new Error(`no CRDs found in ${dir}`);
  }
  const keyOf = (object: { apiVersion?: unknown; kind?: unknown }) => `${String(object.apiVersion)}/${String(object.kind)}`;
  return {
    kinds: [...validators.keys()],
    sets,
    knows: (object) => validators.has(keyOf(object)),
    validate(value) {
      const object = value as { apiVersion?: unknown; kind?: unknown };
      const validator = validators.get(keyOf(object));
      if (!validator) return [`no CRD for ${keyOf(object)}`];
      if (validator(object)) return [];
      const errors = validator.errors ?? [];
      // The branches of a oneOf each report; the branch errors say what is wrong, the oneOf only that none fit.
      const specific = errors.filter((e) => !['anyOf', 'oneOf', 'if'].includes(e.keyword));
      return (specific.length ? specific : errors).map(
        (e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.keyword === 'additionalProperties' ? `: ${String(e.params.additionalProperty)}` : ''}`,
      );
    },
  };
}
