import type { GuidedWalkthrough, Walkthrough, WalkthroughName } from '../model/walkthrough.js';
import { WALKTHROUGH_NAMES } from '../model/walkthrough.js';
import { djKongIngress } from './dj-kong-ingress.js';
import { ingressGatewayEcs } from './ingress-gateway-ecs.js';
import { ingressGatewayEks } from './ingress-gateway-eks.js';
import { meshBasics } from './mesh-basics.js';
import { yelbCanaryObservability } from './yelb-canary-observability.js';
import { yelbMultiAccount } from './yelb-multi-account.js';

/**
 * Every walkthrough, in the order a learner meets them. Each has guides in every language, so each
 * must be a `GuidedWalkthrough` (its Japanese beside its English); the list is typed as plain
 * `Walkthrough`s so callers can look up any walkthrough they hold in it.
 */
export const walkthroughs: readonly Walkthrough[] = [
  meshBasics,
  ingressGatewayEcs,
  ingressGatewayEks,
  djKongIngress,
  yelbMultiAccount,
  yelbCanaryObservability,
] satisfies readonly GuidedWalkthrough[];

export class UnknownWalkthroughError extends Error {
  constructor(readonly requested: string) {
    super(`unknown walkthrough "${requested}"; valid names: ${WALKTHROUGH_NAMES.join(', ')}`);
    this.name = 'UnknownWalkthroughError';
  }
}

export function isWalkthroughName(name: string): name is WalkthroughName {
  return (WALKTHROUGH_NAMES as readonly string[]).includes(name);
}

export function getWalkthrough(name: string): Walkthrough {
  const found = walkthroughs.find((w) => w.name === name);
  if (!found) throw new UnknownWalkthroughError(name);
  return found;
}

export { djKongIngress, ingressGatewayEcs, ingressGatewayEks, meshBasics, yelbCanaryObservability, yelbMultiAccount };
