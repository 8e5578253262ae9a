/**
 * Which Lattice services a pod's VPC reaches, from the rendered files. A Gateway of class
 * amazon-vpc-lattice stands for the service network of its name, found as the AWS Gateway API
 * Controller finds it (by name, with its own account's credentials): one its account owns — a
 * ServiceNetwork object, or one a CloudFormation template in the cluster's folder creates — or one
 * another account shares with it through AWS RAM. A VpcAssociationPolicy joins the cluster's VPC to
 * a Gateway's network; an HTTPRoute whose parentRefs name such a Gateway is a Lattice service in
 * it, on the Gateway listeners it selects.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { targetFolder } from '@amw/mesh-manifests';
import { ResolveError } from '../control-plane/resolve.js';
import type { Sourced } from './rendered-files.js';
import type { TargetWorld } from './target-world.js';

export const LATTICE_CLASS = 'amazon-vpc-lattice';
export const GATEWAY_GROUP = 'gateway.networking.k8s.io';

type Json = Record<string, unknown>;

export const obj = (value: unknown): Json => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {});
export const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
export const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
export const spec = (sourced: Sourced): Json => obj(sourced.object.spec);
export const groupOf = (sourced: Sourced) => sourced.object.apiVersion.split('/')[0];
export const named = (sourced: Sourced) => `${sourced.object.kind} ${sourced.object.metadata.namespace ? `${sourced.object.metadata.namespace}/` : ''}${sourced.object.metadata.name}`;

/** A service network as Lattice knows it: its owner's account and its name. */
interface Network {
  key: string;
  /** Accounts it is shared with (a RAM share), `any` when the share's principal is a deploy-time parameter. */
  sharedWith: Set<string> | 'any';
}

/** A Lattice service: an HTTPRoute and the (network, listener port) pairs it is reachable on. */
export interface LatticeService {
  route: Sourced;
  /** The Lattice service name: the override annotation, or the controller's `<route>-<namespace>`. */
  name: string;
  /** The controller makes the first hostname the service's custom domain name (and only the first). */
  hostname: string | undefined;
  listeners: { network: string; port: number }[];
}

const SERVICE_NAME_OVERRIDE = 'application-networking.k8s.aws/service-name-override';

export class LatticeNetworks {
  private readonly networks: Network[] = [];

  constructor(
    private readonly world: TargetWorld,
    repoRoot: string | undefined,
  ) {
    for (const sn of world.all('ServiceNetwork')) {
      if (groupOf(sn) !== 'application-networking.k8s.aws') continue;
      this.add(`${world.accountOf(sn.cluster)}/${sn.object.metadata.name}`, new Set());
    }
    const root = repoRoot ?? findRepoRoot(world);
    if (root) this.readTemplates(root);
  }

  private add(key: string, sharedWith: Network['sharedWith']): void {
    const known = this.networks.find((n) => n.key === key);
    if (!known) this.networks.push({ key, sharedWith });
    else if (sharedWith === 'any' || known.sharedWith === 'any') known.sharedWith = 'any';
    else for (const account of sharedWith) known.sharedWith.add(account);
  }

  /** Service networks the clusters' own CloudFormation templates create, and whom RAM shares them with. */
  private readTemplates(root: string): void {
    for (const cluster of this.world.walkthrough.clusters) {
      const folder = join(root, targetFolder(this.world.walkthrough, this.world.target, cluster), 'cloudformation');
      if (!existsSync(folder)) continue;
      const account = this.world.accountOf(cluster.name);
      for (const file of readdirSync(folder).filter((f) => /\.ya?ml$/.test(f))) {
        let template: Json;
        try {
          template = obj(parse(readFileSync(join(folder, file), 'utf8')));
        } catch {
          continue; // Not a template the local mesh needs: dns.yaml and the like are read by nobody here.
        }
        const resources = obj(template.Resources);
        for (const [id, resource] of Object.entries(resources)) {
          const r = obj(resource);
          if (r.Type !== 'AWS::VpcLattice::ServiceNetwork') continue;
          const name = text(obj(r.Properties).Name);
          if (name) this.add(`${account}/${name}`, sharedWithOf(resources, id));
        }
      }
    }
  }

  /** The network a Lattice Gateway stands for: its account's own of that name, else one shared with it. */
  networkOf(gateway: Sourced): string {
    const account = this.world.accountOf(gateway.cluster);
    const name = gateway.object.metadata.name;
    const own = this.networks.find((n) => n.key === `${account}/${name}`);
    if (own) return own.key;
    const shared = this.networks.find((n) => n.key.endsWith(`/${name}`) && (n.sharedWith === 'any' || n.sharedWith.has(account)));
    if (shared) return shared.key;
    throw new ResolveError(
      `${gateway.file}: ${named(gateway)} (cluster ${gateway.cluster}) stands for service network ${name}, which no ServiceNetwork object nor CloudFormation template of account ${account} creates and no other account shares with it (the controller leaves such a Gateway pending): add a ServiceNetwork named ${name}, or share one through AWS RAM`,
    );
  }

  /** A Gateway of class amazon-vpc-lattice, if that is what the reference names. */
  gateway(cluster: string, namespace: string | undefined, name: string): Sourced | undefined {
    const gateway = this.world.get('Gateway', cluster, namespace, name);
    return gateway && groupOf(gateway) === GATEWAY_GROUP && spec(gateway).gatewayClassName === LATTICE_CLASS ? gateway : undefined;
  }

  /** The networks a cluster's VPC is associated with (VpcAssociationPolicy, associateWithVpc defaults to true). */
  associated(cluster: string): Set<string> {
    const out = new Set<string>();
    for (const policy of this.world.all('VpcAssociationPolicy', cluster)) {
      const s = spec(policy);
      if (s.associateWithVpc === false) continue;
      const ref = obj(s.targetRef);
      if ((text(ref.kind) ?? 'Gateway') !== 'Gateway') continue;
      const gateway = this.gateway(cluster, text(ref.namespace) ?? policy.object.metadata.namespace, text(ref.name) ?? '');
      if (!gateway) {
        throw new ResolveError(
          `${policy.file}: ${named(policy)} targets Gateway ${text(ref.name) ?? '(no name)'}, which is no Gateway of class ${LATTICE_CLASS} in cluster ${cluster}: fix spec.targetRef`,
        );
      }
      out.add(this.networkOf(gateway));
    }
    return out;
  }

  /** Every HTTPRoute attached to a Lattice Gateway: the Lattice services of the walkthrough. */
  services(): LatticeService[] {
    const out: LatticeService[] = [];
    for (const route of this.world.all('HTTPRoute')) {
      if (groupOf(route) !== GATEWAY_GROUP) continue;
      const ns = route.object.metadata.namespace;
      const listeners: LatticeService['listeners'] = [];
      list(spec(route).parentRefs).forEach((value, i) => {
        const ref = obj(value);
        if ((text(ref.kind) ?? 'Gateway') !== 'Gateway' || (text(ref.group) ?? GATEWAY_GROUP) !== GATEWAY_GROUP) return;
        const name = text(ref.name) ?? '';
        const gatewayNs = text(ref.namespace) ?? ns;
        const any = this.world.get('Gateway', route.cluster, gatewayNs, name);
        if (!any) {
          throw new ResolveError(`${route.file}: ${named(route)} parentRefs[${i}] names Gateway ${gatewayNs ?? ''}/${name}, which does not exist in cluster ${route.cluster}: fix the parentRef or add the Gateway`);
        }
        const gateway = this.gateway(route.cluster, gatewayNs, name);
        if (!gateway) return; // Another class's Gateway: not Lattice's business.
        const network = this.networkOf(gateway);
        for (const listener of this.selectedListeners(route, gateway, ref, i)) listeners.push({ network, port: listener });
      });
      if (listeners.length === 0) continue;
      const hostname = text(list(spec(route).hostnames)[0]);
      const override = route.object.metadata.annotations?.[SERVICE_NAME_OVERRIDE];
      out.push({ route, name: override ?? `${route.object.metadata.name}-${ns ?? 'default'}`, hostname: hostname?.toLowerCase(), listeners });
    }
    return out;
  }

  /** The listener ports a parentRef selects (port and sectionName filters, allowedRoutes), as the controller matches them. */
  private selectedListeners(route: Sourced, gateway: Sourced, ref: Json, index: number): number[] {
    const ports: number[] = [];
    const sameNamespace = gateway.object.metadata.namespace === route.object.metadata.namespace;
    for (const value of list(spec(gateway).listeners)) {
      const listener = obj(value);
      if (ref.port !== undefined && ref.port !== listener.port) continue;
      if (ref.sectionName !== undefined && ref.sectionName !== listener.name) continue;
      const from = text(obj(obj(listener.allowedRoutes).namespaces).from) ?? 'Same';
      if (from === 'Selector') {
        throw new ResolveError(`${gateway.file}: ${named(gateway)} listener ${String(listener.name)} admits routes by namespace selector, which the local mesh does not evaluate: use from: Same or All`);
      }
      if (from === 'Same' && !sameNamespace) continue;
      if (listener.protocol !== 'HTTP' || typeof listener.port !== 'number') {
        throw new ResolveError(
          `${gateway.file}: ${named(gateway)} listener ${String(listener.name)} speaks ${String(listener.protocol)}; the local mesh runs HTTP listeners only (HTTPS would need the ACM certificate Lattice serves): use protocol HTTP`,
        );
      }
      ports.push(listener.port);
    }
    if (ports.length === 0) {
      throw new ResolveError(
        `${route.file}: ${named(route)} parentRefs[${index}] selects no listener of ${named(gateway)}${ref.sectionName !== undefined ? ` (sectionName ${String(ref.sectionName)})` : ''}, so the controller builds no Lattice listener for it: name one of the Gateway's listeners`,
      );
    }
    return ports;
  }
}

/**
 * The accounts a RAM share in the same template gives the network to. A principal that is a
 * parameter (`Ref`) is supplied at deploy time (the README passes the other cluster's account):
 * the local mesh takes it to mean any account of the walkthrough.
 */
function sharedWithOf(resources: Json, networkId: string): Network['sharedWith'] {
  const accounts = new Set<string>();
  for (const resource of Object.values(resources)) {
    const r = obj(resource);
    if (r.Type !== 'AWS::RAM::ResourceShare') continue;
    const props = obj(r.Properties);
    const shares = list(props.ResourceArns).some((arn) => {
      const ref = obj(arn);
      return ref.Ref === networkId || list(ref['Fn::GetAtt'])[0] === networkId;
    });
    if (!shares) continue;
    for (const principal of list(props.Principals)) {
      if (typeof principal === 'string') accounts.add(principal);
      else if (obj(principal).Ref !== undefined) return 'any';
    }
  }
  return accounts;
}

/** Where the rendered files were read from, when the caller did not say: up from the working directory. */
function findRepoRoot(world: TargetWorld): string | undefined {
  const file = world.clusters.flatMap((c) => c.objects)[0]?.file;
  if (!file) return undefined;
  for (let dir = resolve('.'); ; dir = dirname(dir)) {
    if (existsSync(join(dir, file))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}
