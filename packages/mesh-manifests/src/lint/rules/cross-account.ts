/**
 * Rule `cross-account-unshared`: an App Mesh object may name a resource by ARN
 * (`virtualServiceARN`, `virtualNodeARN`, `virtualRouterARN`). When that ARN's account is not
 * the mesh owner's, the two accounts can only meet in one mesh if the Mesh says who owns it
 * (`spec.meshOwner`) and the owner shares it through AWS RAM. The rule also catches an ARN that
 * is no ARN at all (the AWS multi-account blog post left `<yelb-appserver virtualServiceARN>` for
 * the learner to replace by hand, and a forgotten placeholder fails only at apply time) or that
 * points into another mesh.
 *
 * How a shared mesh is recognised in YAML (no cloud calls): a CloudFormation template in the
 * linted folder with an `AWS::RAM::ResourceShare` whose `ResourceArns` include
 * `arn:…:appmesh:…:mesh/<mesh>` (short-form `!Sub`/`!Ref` resolve through the template's
 * parameter defaults; anything unresolved matches anything) and whose `Principals` include the
 * other account (unresolved principals, organisations and OUs count as including it), or an ACK
 * `ram.services.k8s.aws` ResourceShare with the same fields (`resourceARNs`, `principals`).
 *
 * The local account (who applies the manifests) is `--account` when given, else the one account
 * the cluster's ServiceAccounts assume IAM roles in (IRSA `eks.amazonaws.com/role-arn`). A cluster
 * applying a Mesh whose `meshOwner` is another account must find the mesh shared with it.
 */
import { asArray, asRecord, asString, isRecord, type Json } from '../access.js';
import { describe, routeTargets, type Entry } from '../inventory.js';
import type { FieldPath } from '../types.js';
import type { Rule, RuleContext } from './context.js';

interface ArnReference {
  entry: Entry;
  arn: string;
  path: FieldPath;
}

interface ParsedArn {
  account: string;
  region: string;
  mesh: string;
}

interface MeshShare {
  meshPatterns: string[];
  /** Undefined when any principal could be the account (unresolved, organisation, OU). */
  principals: string[] | undefined;
  name: string;
}

const APP_MESH_ARN = /^arn:aws[a-z-]*:appmesh:([a-z0-9-]*):(\d{12}|\*):mesh\/([^/]+)(?:\/.*)?$/;

export function parseAppMeshArn(arn: string): ParsedArn | undefined {
  const match = APP_MESH_ARN.exec(arn.trim());
  if (!match) return undefined;
  return { region: match[1] as string, account: match[2] as string, mesh: match[3] as string };
}

function arnReferences(entry: Entry): ArnReference[] {
  const refs: ArnReference[] = [];
  const add = (value: unknown, path: FieldPath) => {
    const arn = asString(value);
    if (arn) refs.push({ entry, arn, path });
  };
  const spec = entry.spec;
  switch (entry.kind) {
    case 'VirtualNode':
      asArray(spec.backends).forEach((b, i) => add(asRecord(asRecord(b).virtualService).virtualServiceARN, ['spec', 'backends', i, 'virtualService', 'virtualServiceARN']));
      break;
    case 'VirtualService': {
      const provider = asRecord(spec.provider);
      add(asRecord(provider.virtualNode).virtualNodeARN, ['spec', 'provider', 'virtualNode', 'virtualNodeARN']);
      add(asRecord(provider.virtualRouter).virtualRouterARN, ['spec', 'provider', 'virtualRouter', 'virtualRouterARN']);
      break;
    }
    case 'VirtualRouter':
      for (const { targets } of routeTargets(entry)) for (const t of targets) add(asRecord(t.value).virtualNodeARN, [...t.path, 'virtualNodeARN']);
      break;
    case 'GatewayRoute':
      for (const kind of ['httpRoute', 'http2Route', 'grpcRoute']) {
        const vs = asRecord(asRecord(asRecord(asRecord(spec[kind]).action).target).virtualService);
        add(vs.virtualServiceARN, ['spec', kind, 'action', 'target', 'virtualService', 'virtualServiceARN']);
      }
      break;
  }
  return refs;
}

/** Resolves CloudFormation values to strings, `*` standing for whatever cannot be known offline. */
function resolveValue(value: unknown, parameters: Json): string {
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  if (!isRecord(value)) return '*';
  const parameter = (name: string): string => {
    const definition = asRecord(parameters[name]);
    return definition.Default === undefined ? '*' : String(definition.Default);
  };
  if (typeof value.Ref === 'string') return parameter(value.Ref);
  if ('Fn::Sub' in value) {
    const sub = value['Fn::Sub'];
    const [template, variables] = Array.isArray(sub) ? [String(sub[0]), asRecord(sub[1])] : [String(sub), {}];
    return template.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
      if (name.startsWith('!')) return `\${${name.slice(1)}}`;
      if (name in variables) return resolveValue(variables[name], parameters);
      return name.includes('::') ? '*' : parameter(name);
    });
  }
  if ('Fn::Join' in value) {
    const [delimiter, parts] = asArray(value['Fn::Join']);
    return asArray(parts).map((p) => resolveValue(p, parameters)).join(String(delimiter ?? ''));
  }
  return '*';
}

function meshPattern(arn: string): string | undefined {
  const match = /:appmesh:[^:]*:[^:]*:mesh\/([^/]+)$/.exec(arn);
  return match?.[1] ?? (arn === '*' ? '*' : undefined);
}

function sharesFrom(context: RuleContext): MeshShare[] {
  const shares: MeshShare[] = [];
  for (const { template } of context.inventory.templates) {
    const parameters = asRecord(template.Parameters);
    for (const [logicalId, resource] of Object.entries(asRecord(template.Resources))) {
      const r = asRecord(resource);
      if (r.Type !== 'AWS::RAM::ResourceShare') continue;
      const properties = asRecord(r.Properties);
      const arns = asArray(properties.ResourceArns).map((a) => resolveValue(a, parameters));
      const principals = asArray(properties.Principals).map((p) => resolveValue(p, parameters));
      shares.push({
        name: asString(properties.Name) ?? logicalId,
        meshPatterns: arns.map(meshPattern).filter((m): m is string => m !== undefined),
        principals: principals.every((p) => /^\d{12}$/.test(p)) ? principals : undefined,
      });
    }
  }
  for (const share of context.inventory.entries.filter((e) => e.kind === 'ResourceShare' && e.apiVersion.startsWith('ram.services.k8s.aws/'))) {
    const principals = asArray(share.spec.principals).map(String);
    shares.push({
      name: share.name,
      meshPatterns: asArray(share.spec.resourceARNs).map(String).map(meshPattern).filter((m): m is string => m !== undefined),
      principals: principals.every((p) => /^\d{12}$/.test(p)) ? principals : undefined,
    });
  }
  return shares;
}

function globMatches(pattern: string, value: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return regex.test(value);
}

const IRSA_ANNOTATION = 'eks.amazonaws.com/role-arn';

function localAccount(context: RuleContext): string | undefined {
  if (context.options.accountId) return context.options.accountId;
  const accounts = new Set<string>();
  for (const sa of context.inventory.ofKind('ServiceAccount')) {
    const account = /^arn:aws[a-z-]*:iam::(\d{12}):role\//.exec(sa.annotations[IRSA_ANNOTATION] ?? '')?.[1];
    if (account) accounts.add(account);
  }
  return accounts.size === 1 ? [...accounts][0] : undefined;
}

function meshNameOf(mesh: Entry): string {
  return asString(mesh.spec.awsName) ?? mesh.name;
}

function checkReference(ref: ArnReference, shares: MeshShare[], local: string | undefined, context: RuleContext): void {
  const { entry, arn, path } = ref;
  const parsed = parseAppMeshArn(arn);
  const field = path[path.length - 1] as string;
  if (!parsed) {
    context.report({
      ruleId: 'cross-account-unshared',
      severity: 'error',
      entry,
      path,
      message: `${field} "${arn}" is not an App Mesh ARN`,
      fix: `paste the real ARN (from the other cluster: \`kubectl get ${field.replace(/ARN$/, '').toLowerCase()} <name> -o jsonpath='{.status.${field}}'\`), shaped arn:aws:appmesh:<region>:<account>:mesh/<mesh>/…`,
    });
    return;
  }
  const mesh = context.inventory.meshOf(entry);
  if (!mesh) return;
  const meshName = meshNameOf(mesh);
  if (parsed.mesh !== meshName && !parsed.mesh.startsWith(`${meshName}@`)) {
    context.report({
      ruleId: 'cross-account-unshared',
      severity: 'error',
      entry,
      path,
      message: `${field} points into mesh ${parsed.mesh}, but ${describe(entry)} belongs to mesh ${meshName}; App Mesh resources only reference resources of their own mesh`,
      fix: `use the ARN of the resource in mesh ${meshName} (share one mesh across the accounts instead of creating two)`,
    });
    return;
  }
  const meshOwner = asString(mesh.spec.meshOwner);
  const owner = meshOwner ?? local;
  if (!owner || parsed.account === owner || parsed.account === '*') return;
  if (!meshOwner) {
    context.report({
      ruleId: 'cross-account-unshared',
      severity: 'error',
      entry,
      path,
      message: `${describe(entry)} references a resource of account ${parsed.account}, but Mesh ${mesh.name} (account ${owner}) has no meshOwner, so it is not a shared mesh`,
      fix: `set spec.meshOwner: "${owner}" on Mesh ${mesh.name} in both clusters and share the mesh with account ${parsed.account} through AWS RAM (an AWS::RAM::ResourceShare in the linted folder)`,
    });
    return;
  }
  const forMesh = shares.filter((s) => s.meshPatterns.some((p) => globMatches(p, meshName)));
  const including = forMesh.filter((s) => s.principals === undefined || s.principals.includes(parsed.account));
  if (including.length > 0) return;
  context.report({
    ruleId: 'cross-account-unshared',
    severity: 'error',
    entry,
    path,
    message:
      forMesh.length === 0
        ? `${describe(entry)} references a resource of account ${parsed.account} in mesh ${meshName} (owner ${meshOwner}), but no RAM resource share for that mesh is in the inputs`
        : `${describe(entry)} references a resource of account ${parsed.account}, but the RAM share ${forMesh.map((s) => s.name).join(', ')} for mesh ${meshName} does not include that account`,
    fix: `share the mesh: a CloudFormation AWS::RAM::ResourceShare with ResourceArns [arn:aws:appmesh:<region>:${meshOwner}:mesh/${meshName}] and Principals [${parsed.account}], in the folder you lint`,
  });
}

/** A consumer account applying a Mesh owned by another account needs that owner to have shared it. */
function checkConsumerMesh(mesh: Entry, shares: MeshShare[], local: string | undefined, context: RuleContext): void {
  const meshOwner = asString(mesh.spec.meshOwner);
  if (!meshOwner || !local || meshOwner === local) return;
  const meshName = meshNameOf(mesh);
  const ok = shares.some((s) => s.meshPatterns.some((p) => globMatches(p, meshName)) && (s.principals === undefined || s.principals.includes(local)));
  if (ok) return;
  context.report({
    ruleId: 'cross-account-unshared',
    severity: 'error',
    entry: mesh,
    path: ['spec', 'meshOwner'],
    message: `Mesh ${mesh.name} is owned by account ${meshOwner}, but no RAM resource share in the inputs shares it with this account (${local}); the controller cannot create resources in it`,
    fix: `in account ${meshOwner}, share mesh ${meshName} with ${local} (AWS::RAM::ResourceShare) and accept the invitation in ${local}`,
  });
}

export const crossAccountUnshared: Rule = {
  ids: ['cross-account-unshared'],
  check(context) {
    const shares = sharesFrom(context);
    const local = localAccount(context);
    for (const entry of context.inventory.entries) {
      if (!entry.apiVersion.startsWith('appmesh.k8s.aws/')) continue;
      for (const ref of arnReferences(entry)) checkReference(ref, shares, local, context);
    }
    for (const mesh of context.inventory.mesh('Mesh')) checkConsumerMesh(mesh, shares, local, context);
  },
};
