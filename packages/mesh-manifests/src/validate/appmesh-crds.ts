/**
 * The App Mesh controller's CRDs, one of the schema sets `crds.ts` reads: kept as their own entry
 * point for readers that check App Mesh objects alone (the model's objects at every step).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { defaultSchemasDirectory, loadCrdValidator, type CrdValidator } from './crds.js';

/** `appmesh-crds` in the schemas directory. */
export function defaultCrdDirectory(): string {
  return join(defaultSchemasDirectory(), 'appmesh-crds');
}

export function crdDirectoryExists(directory = defaultCrdDirectory()): boolean {
  return existsSync(directory);
}

export type AppMeshValidator = CrdValidator;

export function loadAppMeshValidator(directory = defaultCrdDirectory()): AppMeshValidator {
  return loadCrdValidator(dirname(directory), ['appmesh-crds']);
}
