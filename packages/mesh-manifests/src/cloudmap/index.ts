/**
 * Cloud Map tooling: what a walkthrough needs in Cloud Map, what exists, creating what is missing,
 * and the registered instances with their health. Used by `pnpm mesh cloudmap`.
 */
export { desiredCloudMap, UnknownClusterError, type DesiredNamespace, type DesiredService, type NamespaceKind } from './desired.js';
export { describePlan, inspect, listNamespaces, listServices, missingCount, type NamespacePlan, type ServicePlan } from './inspect.js';
export { applyPlan, type ApplyOptions, type ApplyResult } from './apply.js';
export { describeInstances, type Health } from './instances.js';
export { CloudMapError, fatalMessage, objectMessage } from './errors.js';
