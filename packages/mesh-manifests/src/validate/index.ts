/**
 * Validates a rendered tree: every YAML document under a folder is checked against the schema
 * of its kind (Kubernetes built-ins, the CRDs of App Mesh, Istio, the Gateway API and the Lattice
 * controller, Kong's objects); kustomizations, Helm values and CloudFormation templates are
 * skipped here (kustomize, the lint and the CloudFormation checks read them).
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { KONG_API_VERSION } from '../model/kubernetes.js';
import { SCHEMA_SETS, schemaSetOf, type CrdValidator } from './crds.js';
import { validateKongCredentials, validateKongObject } from './kong.js';
import { validateKubernetesObject } from './kubernetes.js';
import { yamlFiles } from './yaml-files.js';

export { loadAppMeshValidator, type AppMeshValidator } from './appmesh-crds.js';
export {
  ALL_SCHEMA_SETS,
  availableSchemaSets,
  loadCrdValidator,
  loadCrdValidatorFrom,
  SCHEMA_SETS,
  schemaSetOf,
  schemaSetsUsedBy,
  type CrdValidator,
  type SchemaFolders,
  type SchemaSet,
} from './crds.js';
export { schemaCacheRoot, userCacheHome } from './schema-cache.js';
export { locateSchemas, namedSchemasFolder, type LocatedSchemas, type NamedSchemasFolder, type SchemaLookup, type SchemaOrigin } from './schema-location.js';
export { DEFAULT_SCHEMA_BASE_URL, SCHEMA_SOURCES, sourceUrl, type PinnedFile, type PinnedSet } from './schema-sources.js';
export { SchemasUnavailableError } from './schemas-unavailable.js';
export { KONG_KINDS, validateKongCredentials, validateKongObject } from './kong.js';
export { isKubernetesBuiltin, validateKubernetesObject } from './kubernetes.js';

export interface LoadedObject {
  file: string;
  object: Record<string, unknown> & { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } };
}

/** Kubernetes objects of a tree, without kustomizations and CloudFormation templates. */
export function loadObjects(root: string): LoadedObject[] {
  return yamlFiles(root).flatMap((path) =>
    parseAllDocuments(readFileSync(path, 'utf8'))
      .map((doc) => doc.toJS() as LoadedObject['object'] | null)
      .filter((object): object is LoadedObject['object'] => !!object && typeof object === 'object' && 'kind' in object && !('AWSTemplateFormatVersion' in object))
      .filter((object) => object.kind !== 'Kustomization')
      .map((object) => ({ file: relative(root, path), object })),
  );
}

export interface Problem {
  file: string;
  object: string;
  message: string;
}

/** Problems of every object; custom resources need their CRDs loaded in `crds` (a set it lacks is reported as unchecked). */
export function validateObjects(objects: readonly LoadedObject[], crds: CrdValidator | undefined): Problem[] {
  const problems: Problem[] = [];
  const label = (o: LoadedObject) => `${o.object.kind} ${o.object.metadata?.namespace ? `${o.object.metadata.namespace}/` : ''}${o.object.metadata?.name}`;
  for (const loaded of objects) {
    const { object } = loaded;
    const set = schemaSetOf(String(object.apiVersion));
    const messages = set
      ? crds?.sets.includes(set)
        ? crds.validate(object)
        : [`${SCHEMA_SETS[set]} not available: not validated`]
      : object.apiVersion === KONG_API_VERSION
          ? validateKongObject(object)
          : validateKubernetesObject(object);
    problems.push(...messages.map((message) => ({ file: loaded.file, object: label(loaded), message })));
  }
  const credentials = validateKongCredentials(objects.map((o) => o.object));
  problems.push(...credentials.map((message) => ({ file: '(kong)', object: 'KongConsumer', message })));
  return problems;
}
