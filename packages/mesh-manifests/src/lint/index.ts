/**
 * The semantic lint: what schemas cannot catch in App Mesh manifests — references to missing
 * objects, namespaces outside the mesh, names DNS cannot resolve, ports that do not line up,
 * calls to undeclared backends, unreleased Envoy images… Each finding names the objects, says
 * how to fix it and points at a file and line. See README.md in this folder for every rule.
 */
export { lintObjects } from './engine.js';
export { lintFileSet, lintPath, lintTexts, lintUnits, statesOf, type LintUnit, type SetFile, type SetLintResult } from './folder.js';
export type { Finding, FieldPath, K8sObject, LintInput, LintOptions, LintResult, ObjectId, RuleId, Severity, SourceRef } from './types.js';
export { loadYamlPath, parseYamlText, type LoadedFile, type LoadedInputs, type SourcedObject } from './load.js';
export { formatFinding, formatJson, formatText, summaryLine } from './format.js';
export {
  KNOWN_ENVOY_TAGS,
  LATEST_ENVOY_TAG,
  PUBLIC_ENVOY_REPOSITORY,
  checkEnvoyRepository,
  isReleasedEnvoyTag,
  nearestEnvoyTag,
  parseImage,
} from './envoy-images.js';
export { RULE_DESCRIPTIONS, RULE_IDS } from './catalogue.js';
