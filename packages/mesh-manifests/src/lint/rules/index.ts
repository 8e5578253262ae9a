/** Every rule, in the order findings of equal position are listed. */
import { backendCalls } from './backend-calls.js';
import type { Rule } from './context.js';
import { crossAccountUnshared } from './cross-account.js';
import { envoyImage } from './envoy-image.js';
import { gatewayApiRules } from './gateway-api.js';
import { gatewayRouteUnmatched } from './gateway-route-unmatched.js';
import { istioRules } from './istio.js';
import { missingReference } from './missing-reference.js';
import { namespaceMembership } from './namespace-membership.js';
import { portMismatch } from './port-mismatch.js';
import { routeWeights } from './route-weights.js';
import { selectorMissesPods } from './selector-misses-pods.js';
import { serviceNameMismatch } from './service-name-mismatch.js';

export const RULES: readonly Rule[] = [
  missingReference,
  namespaceMembership,
  serviceNameMismatch,
  selectorMissesPods,
  routeWeights,
  portMismatch,
  backendCalls,
  gatewayRouteUnmatched,
  crossAccountUnshared,
  envoyImage,
  istioRules,
  gatewayApiRules,
];
