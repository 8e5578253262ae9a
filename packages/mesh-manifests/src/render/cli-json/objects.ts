/**
 * A cluster's App Mesh objects as the App Mesh API knows them: AWS names (what the Kubernetes
 * controller would name them: `<name>_<namespace>` for nodes, routers, gateways and gateway routes,
 * `<name>.<namespace>` for virtual services, unless `awsName` says otherwise; plain names on ECS),
 * routes as objects of their own, `meshOwner` on every object of a shared mesh, and each object's
 * `create-*` input typed by the SDK. Both the CLI JSON and the ECS CloudFormation are built on this.
 */
import type {
  CreateGatewayRouteInput,
  CreateMeshInput,
  CreateRouteInput,
  CreateVirtualGatewayInput,
  CreateVirtualNodeInput,
  CreateVirtualRouterInput,
  CreateVirtualServiceInput,
} from '@aws-sdk/client-app-mesh';
import type { AppMeshResource, Mesh, ObjectRef } from '../../model/appmesh.js';
import { isAppMeshResource } from '../../model/appmesh.js';
import { parseAppMeshArn } from '../../model/aws.js';
import { ofKind, selectorMatches, type ClusterState } from '../../model/state.js';
import type { Walkthrough } from '../../model/walkthrough.js';
import {
  gatewayRouteSpec,
  meshSpec,
  routeSpec,
  virtualGatewaySpec,
  virtualNodeSpec,
  virtualRouterSpec,
  virtualServiceSpec,
  type NameResolver,
} from './spec.js';

export type ApiKind = 'Mesh' | 'VirtualNode' | 'VirtualRouter' | 'Route' | 'VirtualService' | 'VirtualGateway' | 'GatewayRoute';

/** The order App Mesh needs objects created in: everything an object names exists before it. */
export const CREATE_ORDER: readonly ApiKind[] = ['Mesh', 'VirtualNode', 'VirtualRouter', 'Route', 'VirtualService', 'VirtualGateway', 'GatewayRoute'];

export type CliDocument =
  | { kind: 'Mesh'; input: CreateMeshInput & { meshName: string } }
  | { kind: 'VirtualNode'; input: CreateVirtualNodeInput & { meshName: string; virtualNodeName: string } }
  | { kind: 'VirtualRouter'; input: CreateVirtualRouterInput & { meshName: string; virtualRouterName: string } }
  | { kind: 'Route'; input: CreateRouteInput & { meshName: string; virtualRouterName: string; routeName: string } }
  | { kind: 'VirtualService'; input: CreateVirtualServiceInput & { meshName: string; virtualServiceName: string } }
  | { kind: 'VirtualGateway'; input: CreateVirtualGatewayInput & { meshName: string; virtualGatewayName: string } }
  | { kind: 'GatewayRoute'; input: CreateGatewayRouteInput & { meshName: string; virtualGatewayName: string; gatewayRouteName: string } };

export interface ApiObject {
  /** Stable across steps: kind and AWS name (and the router or gateway it belongs to). */
  key: string;
  awsName: string;
  /** The model object it comes from (a route's is its router). */
  source: { kind: AppMeshResource['kind']; name: string; namespace?: string };
  document: CliDocument;
}

export interface ClusterMesh {
  meshName: string;
  /** Set when the mesh is shared: every object carries it. */
  meshOwner?: string;
  /** False when another account owns the mesh: this cluster's account does not create it. */
  createsMesh: boolean;
  objects: ApiObject[];
}

export function awsNameOf(resource: AppMeshResource): string {
  const { name, namespace } = resource.metadata;
  if (resource.spec.awsName) return resource.spec.awsName;
  if (resource.kind === 'Mesh' || namespace === undefined) return name;
  return resource.kind === 'VirtualService' ? `${name}.${namespace}` : `${name}_${namespace}`;
}

/** The mesh an object belongs to: the cluster's only Mesh, or the one whose namespaceSelector picks the object's namespace. */
export function meshOf(cluster: ClusterState, namespace: string | undefined): Mesh {
  const meshes = ofKind(cluster.resources, 'Mesh');
  if (meshes.length === 1) return meshes[0]!;
  if (!meshes.length) throw new Error(`cluster ${cluster.name} has App Mesh objects but no Mesh`);
  const labels = ofKind(cluster.resources, 'Namespace').find((n) => n.metadata.name === namespace)?.metadata.labels ?? {};
  const matching = meshes.filter((m) => m.spec.namespaceSelector && selectorMatches(m.spec.namespaceSelector, labels));
  if (matching.length !== 1) throw new Error(`namespace ${namespace ?? '(none)'} of cluster ${cluster.name} is selected by ${matching.length} meshes, not one`);
  return matching[0]!;
}

function resolver(cluster: ClusterState, context: AppMeshResource): NameResolver {
  const find = (kind: 'VirtualNode' | 'VirtualService' | 'VirtualRouter', ref: ObjectRef) => {
    const namespace = ref.namespace ?? context.metadata.namespace;
    const found = cluster.resources.find(
      (r): r is AppMeshResource => r.kind === kind && r.metadata.name === ref.name && r.metadata.namespace === namespace,
    );
    if (!found) {
      throw new Error(`${context.kind} ${namespace ? `${namespace}/` : ''}${context.metadata.name} refers to ${kind} ${namespace ? `${namespace}/` : ''}${ref.name}, which cluster ${cluster.name} does not define`);
    }
    return awsNameOf(found);
  };
  const byRefOrArn = (kind: 'VirtualNode' | 'VirtualService' | 'VirtualRouter', ref: ObjectRef | undefined, arn: string | undefined) => {
    if (arn) return parseAppMeshArn(arn).name!;
    if (ref) return find(kind, ref);
    throw new Error(`${context.kind} ${context.metadata.name}: a reference to a ${kind} needs a ref or an ARN`);
  };
  return {
    virtualNode: (r) => byRefOrArn('VirtualNode', r.virtualNodeRef, r.virtualNodeARN),
    virtualService: (r) => byRefOrArn('VirtualService', r.virtualServiceRef, r.virtualServiceARN),
    virtualRouter: (r) => byRefOrArn('VirtualRouter', r.virtualRouterRef, r.virtualRouterARN),
  };
}

/** The gateway a GatewayRoute attaches to: on EKS the one whose namespaceSelector and gatewayRouteSelector pick it. */
function gatewayOf(cluster: ClusterState, route: AppMeshResource): AppMeshResource {
  const gateways = ofKind(cluster.resources, 'VirtualGateway');
  const labels = ofKind(cluster.resources, 'Namespace').find((n) => n.metadata.name === route.metadata.namespace)?.metadata.labels ?? {};
  const candidates =
    gateways.length === 1 && route.metadata.namespace === undefined
      ? gateways
      : gateways.filter(
          (g) =>
            (g.metadata.namespace === route.metadata.namespace && !g.spec.namespaceSelector) ||
            (g.spec.namespaceSelector !== undefined && selectorMatches(g.spec.namespaceSelector, labels)),
        ).filter((g) => !g.spec.gatewayRouteSelector || selectorMatches(g.spec.gatewayRouteSelector, route.metadata.labels ?? {}));
  if (candidates.length !== 1) {
    throw new Error(`GatewayRoute ${route.metadata.name} matches ${candidates.length} virtual gateways in cluster ${cluster.name}, not one`);
  }
  return candidates[0]!;
}

function label(resource: AppMeshResource): string {
  return `${resource.kind} ${resource.metadata.namespace ? `${resource.metadata.namespace}/` : ''}${resource.metadata.name}`;
}

function accountOf(walkthrough: Walkthrough, cluster: ClusterState): string | undefined {
  return walkthrough.accounts.find((a) => a.name === cluster.account)?.exampleId;
}

/** Every App Mesh object of one cluster at one state, in create order. */
export function clusterMesh(walkthrough: Walkthrough, cluster: ClusterState): ClusterMesh {
  const resources = cluster.resources.filter(isAppMeshResource);
  const meshes = resources.filter((r): r is Mesh => r.kind === 'Mesh');
  if (!meshes.length) throw new Error(`${walkthrough.name}: cluster ${cluster.name} has no Mesh`);
  const owners = new Set(meshes.map((m) => m.spec.meshOwner));
  if (meshes.length > 1 && owners.size > 1) throw new Error(`${walkthrough.name}: the meshes of cluster ${cluster.name} have different owners`);
  const firstMesh = meshes[0]!;
  const meshOwner = firstMesh.spec.meshOwner;
  const owned = { ...(meshOwner ? { meshOwner } : {}) };
  const objects: ApiObject[] = [];
  const source = (r: AppMeshResource) => ({ kind: r.kind, name: r.metadata.name, ...(r.metadata.namespace === undefined ? {} : { namespace: r.metadata.namespace }) });

  for (const resource of resources) {
    const where = `${walkthrough.name}: ${label(resource)}`;
    const names = resolver(cluster, resource);
    const awsName = awsNameOf(resource);
    const meshName = resource.kind === 'Mesh' ? awsName : awsNameOf(meshOf(cluster, resource.metadata.namespace));
    switch (resource.kind) {
      case 'Mesh': {
        const spec = meshSpec(resource.spec);
        objects.push({ key: `Mesh/${awsName}`, awsName, source: source(resource), document: { kind: 'Mesh', input: { meshName: awsName, ...(Object.keys(spec).length ? { spec } : {}) } } });
        break;
      }
      case 'VirtualNode':
        objects.push({
          key: `VirtualNode/${awsName}`,
          awsName,
          source: source(resource),
          document: { kind: 'VirtualNode', input: { meshName, ...owned, virtualNodeName: awsName, spec: virtualNodeSpec(resource.spec, names, where) } },
        });
        break;
      case 'VirtualService':
        objects.push({
          key: `VirtualService/${awsName}`,
          awsName,
          source: source(resource),
          document: { kind: 'VirtualService', input: { meshName, ...owned, virtualServiceName: awsName, spec: virtualServiceSpec(resource.spec, names, where) } },
        });
        break;
      case 'VirtualRouter':
        objects.push({
          key: `VirtualRouter/${awsName}`,
          awsName,
          source: source(resource),
          document: { kind: 'VirtualRouter', input: { meshName, ...owned, virtualRouterName: awsName, spec: virtualRouterSpec(resource.spec) } },
        });
        for (const route of resource.spec.routes ?? []) {
          objects.push({
            key: `Route/${awsName}/${route.name}`,
            awsName: route.name,
            source: source(resource),
            document: { kind: 'Route', input: { meshName, ...owned, virtualRouterName: awsName, routeName: route.name, spec: routeSpec(route, names, where) } },
          });
        }
        break;
      case 'VirtualGateway':
        objects.push({
          key: `VirtualGateway/${awsName}`,
          awsName,
          source: source(resource),
          document: { kind: 'VirtualGateway', input: { meshName, ...owned, virtualGatewayName: awsName, spec: virtualGatewaySpec(resource.spec, where) } },
        });
        break;
      case 'GatewayRoute': {
        const gateway = awsNameOf(gatewayOf(cluster, resource));
        objects.push({
          key: `GatewayRoute/${gateway}/${awsName}`,
          awsName,
          source: source(resource),
          document: { kind: 'GatewayRoute', input: { meshName, ...owned, virtualGatewayName: gateway, gatewayRouteName: awsName, spec: gatewayRouteSpec(resource.spec, names, where) } },
        });
        break;
      }
    }
  }
  const seen = new Set<string>();
  for (const object of objects) {
    if (seen.has(object.key)) throw new Error(`${walkthrough.name}: cluster ${cluster.name} names two App Mesh objects ${object.key}`);
    seen.add(object.key);
  }
  const rank = (o: ApiObject) => CREATE_ORDER.indexOf(o.document.kind);
  const ordered = objects.map((o, i) => ({ o, i })).sort((a, b) => rank(a.o) - rank(b.o) || a.i - b.i).map(({ o }) => o);
  const ownAccount = accountOf(walkthrough, cluster);
  return {
    meshName: awsNameOf(firstMesh),
    ...owned,
    createsMesh: !meshOwner || meshOwner === ownAccount,
    objects: ordered.filter((o) => o.document.kind !== 'Mesh' || !meshOwner || meshOwner === ownAccount),
  };
}
