/**
 * Lattice's authorization of a request to a service, from the IAMAuthPolicy that targets its
 * HTTPRoute. The apps do not sign their requests, so the caller is anonymous and the only fact
 * about it Lattice has is the account owning its VPC; the local mesh evaluates exactly the policy
 * shape the renderer writes (Allow, Principal "*", Invoke, optionally limited to source VPC owner
 * accounts) and refuses any other, rather than guess at IAM semantics it does not implement.
 */
import { ResolveError } from '../control-plane/resolve.js';
import { GATEWAY_GROUP, groupOf, list, named, obj, spec, text, type LatticeService } from './lattice-network.js';
import type { Sourced } from './rendered-files.js';
import type { TargetWorld } from './target-world.js';

const INVOKE = 'vpc-lattice-svcs:Invoke';
const SOURCE_ACCOUNT = 'vpc-lattice-svcs:SourceVpcOwnerAccount';
const ONLY = `the local mesh evaluates only Allow statements with Principal "*", Action ${INVOKE}, Resource "*" and, optionally, Condition StringEquals on ${SOURCE_ACCOUNT}`;

/** A service's verdict for callers: undefined when no policy applies (auth type NONE: everyone). */
export interface ServiceAuth {
  policy: Sourced;
  /** Accounts whose VPCs may call; `any` when some statement has no condition. */
  accounts: Set<string> | 'any';
}

function fail(policy: Sourced, what: string): never {
  throw new ResolveError(`${policy.file}: ${named(policy)} ${what}; ${ONLY}: rewrite the policy in that shape`);
}

function statementAccounts(policy: Sourced, statement: Record<string, unknown>): Set<string> | 'any' {
  const extra = Object.keys(statement).filter((k) => !['Sid', 'Effect', 'Principal', 'Action', 'Resource', 'Condition'].includes(k));
  if (extra.length) fail(policy, `has a statement with ${extra.join(', ')}`);
  if (statement.Effect !== 'Allow') fail(policy, `has a statement with Effect ${JSON.stringify(statement.Effect)}`);
  if (statement.Principal !== '*') fail(policy, `has a statement with Principal ${JSON.stringify(statement.Principal)}`);
  const actions = typeof statement.Action === 'string' ? [statement.Action] : list(statement.Action);
  if (actions.length !== 1 || actions[0] !== INVOKE) fail(policy, `has a statement with Action ${JSON.stringify(statement.Action)}`);
  if (statement.Resource !== undefined && statement.Resource !== '*') fail(policy, `has a statement with Resource ${JSON.stringify(statement.Resource)}`);
  if (statement.Condition === undefined) return 'any';
  const condition = obj(statement.Condition);
  const operators = Object.keys(condition);
  const equals = obj(condition.StringEquals);
  const keys = Object.keys(equals);
  if (operators.length !== 1 || operators[0] !== 'StringEquals' || keys.length !== 1 || keys[0] !== SOURCE_ACCOUNT) {
    fail(policy, `has a statement with Condition ${JSON.stringify(statement.Condition)}`);
  }
  const value = equals[SOURCE_ACCOUNT];
  const accounts = typeof value === 'string' ? [value] : list(value);
  if (accounts.some((a) => typeof a !== 'string')) fail(policy, `lists a ${SOURCE_ACCOUNT} that is not a string`);
  return new Set(accounts as string[]);
}

function parsePolicy(policy: Sourced): ServiceAuth {
  const raw = spec(policy).policy;
  let document: Record<string, unknown>;
  try {
    document = obj(typeof raw === 'string' ? JSON.parse(raw) : raw);
  } catch {
    throw new ResolveError(`${policy.file}: ${named(policy)} spec.policy is not valid JSON: fix the policy document`);
  }
  const statements = Array.isArray(document.Statement) ? document.Statement : document.Statement === undefined ? [] : [document.Statement];
  let accounts: ServiceAuth['accounts'] = new Set();
  for (const statement of statements) {
    const allowed = statementAccounts(policy, obj(statement));
    if (allowed === 'any') accounts = 'any';
    else if (accounts !== 'any') for (const account of allowed) accounts.add(account);
  }
  return { policy, accounts };
}

/**
 * The IAMAuthPolicy of a Lattice service (the controller turns the service's auth type to AWS_IAM
 * when one targets its route). Policies on a Gateway (the service network's) are refused: the local
 * mesh does not combine network and service policies.
 */
export function serviceAuth(world: TargetWorld, service: LatticeService): ServiceAuth | undefined {
  const route = service.route;
  const found: Sourced[] = [];
  for (const policy of world.all('IAMAuthPolicy', route.cluster)) {
    if (groupOf(policy) !== 'application-networking.k8s.aws') continue;
    const ref = obj(spec(policy).targetRef);
    const ns = text(ref.namespace) ?? policy.object.metadata.namespace;
    if (text(ref.kind) !== 'HTTPRoute') {
      throw new ResolveError(`${policy.file}: ${named(policy)} targets a ${String(ref.kind)}; the local mesh evaluates IAMAuthPolicies on HTTPRoutes only: attach it to the routes`);
    }
    if ((text(ref.group) ?? GATEWAY_GROUP) === GATEWAY_GROUP && ref.name === route.object.metadata.name && ns === route.object.metadata.namespace) found.push(policy);
  }
  if (found.length > 1) {
    throw new ResolveError(`${found[1]!.file}: ${named(found[1]!)} and ${named(found[0]!)} both target ${named(route)}; a Lattice service has one auth policy: merge them`);
  }
  return found[0] ? parsePolicy(found[0]) : undefined;
}

/** Lattice's answer to a caller the policy does not admit, as its data plane gives it. */
export function accessDenied(world: TargetWorld, service: LatticeService, auth: ServiceAuth, callerAccount: string): { status: number; body: string; flag: string } {
  const owner = world.accountOf(service.route.cluster);
  const allowed = auth.accounts === 'any' ? 'any account' : [...auth.accounts].join(', ') || 'no account';
  return {
    status: 403,
    body:
      `AccessDeniedException: User: anonymous is not authorized to perform: ${INVOKE} on resource: arn:aws:vpc-lattice:${world.walkthrough.region}:${owner}:service/${service.name}/* because no service-based policy allows the ${INVOKE} action` +
      ` (local mesh: ${named(auth.policy)} in ${auth.policy.file} admits VPCs of ${allowed}; this pod's VPC belongs to ${callerAccount})\n`,
    flag: 'RBAC',
  };
}

export function admits(auth: ServiceAuth | undefined, callerAccount: string): boolean {
  return !auth || auth.accounts === 'any' || auth.accounts.has(callerAccount);
}
