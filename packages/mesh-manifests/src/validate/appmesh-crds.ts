/**
 * The App Mesh controller's CRDs, one of the schema sets `crds.ts` reads: kept as their own entry
 * point for readers that check App Mesh objects alone (the model's objects at every step).
 */
import { loadCrdValidator, type CrdValidator } from './crds.js';

export type AppMeshValidator = CrdValidator;

/** The App Mesh CRDs of a schemas directory (its `appmesh-crds` folder). */
export function loadAppMeshValidator(schemasDirectory: string): AppMeshValidator {
  return loadCrdValidator(schemasDirectory, ['appmesh-crds']);
}
