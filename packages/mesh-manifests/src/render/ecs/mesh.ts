/**
 * The App Mesh objects of an ECS walkthrough as `AWS::AppMesh::*` resources. Specs come from the
 * same API shapes the CLI JSON uses (so the two cannot disagree), spelled the CloudFormation way;
 * every name that points at another object of the template becomes an `Fn::GetAtt`, so
 * CloudFormation creates (and deletes) them in the order App Mesh needs.
 */
import type { ClusterState } from '../../model/state.js';
import type { Walkthrough } from '../../model/walkthrough.js';
import { clusterMesh, type ApiKind, type ApiObject } from '../cli-json/objects.js';
import { appMeshCfn, getAtt, logicalId, type CfnResource, type CfnTemplate, type Json } from './template.js';

const TYPE: Record<ApiKind, string> = {
  Mesh: 'AWS::AppMesh::Mesh',
  VirtualNode: 'AWS::AppMesh::VirtualNode',
  VirtualRouter: 'AWS::AppMesh::VirtualRouter',
  Route: 'AWS::AppMesh::Route',
  VirtualService: 'AWS::AppMesh::VirtualService',
  VirtualGateway: 'AWS::AppMesh::VirtualGateway',
  GatewayRoute: 'AWS::AppMesh::GatewayRoute',
};

/** The attribute each kind exposes its name under (what `Fn::GetAtt` asks for). */
const NAME_ATTRIBUTE: Record<ApiKind, string> = {
  Mesh: 'MeshName',
  VirtualNode: 'VirtualNodeName',
  VirtualRouter: 'VirtualRouterName',
  Route: 'RouteName',
  VirtualService: 'VirtualServiceName',
  VirtualGateway: 'VirtualGatewayName',
  GatewayRoute: 'GatewayRouteName',
};

export function meshLogicalId(object: ApiObject): string {
  const doc = object.document;
  switch (doc.kind) {
    case 'Mesh':
      return 'Mesh';
    case 'Route':
      return logicalId('Route', doc.input.virtualRouterName, doc.input.routeName);
    case 'GatewayRoute':
      return logicalId('GatewayRoute', doc.input.virtualGatewayName, doc.input.gatewayRouteName);
    default:
      return logicalId(doc.kind, object.awsName);
  }
}

/** Replaces names of objects in this template by `Fn::GetAtt` at the places the App Mesh specs name them. */
function linkNames(value: Json, lookup: (kind: ApiKind, name: string) => Json): Json {
  if (Array.isArray(value)) return value.map((v) => linkNames(v, lookup));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, Json> = {};
  for (const [key, child] of Object.entries(value)) {
    if (typeof child === 'string' && key === 'VirtualNode') out[key] = lookup('VirtualNode', child);
    else if (typeof child === 'string' && key === 'VirtualNodeName') out[key] = lookup('VirtualNode', child);
    else if (typeof child === 'string' && key === 'VirtualServiceName') out[key] = lookup('VirtualService', child);
    else if (typeof child === 'string' && key === 'VirtualRouterName') out[key] = lookup('VirtualRouter', child);
    else out[key] = linkNames(child, lookup);
  }
  return out;
}

export interface MeshTemplateInfo {
  template: CfnTemplate;
  meshName: string;
}

export function meshTemplate(walkthrough: Walkthrough, cluster: ClusterState): MeshTemplateInfo {
  const mesh = clusterMesh(walkthrough, cluster);
  if (mesh.meshOwner) {
    throw new Error(`${walkthrough.name}: the ECS renderer creates its own mesh; a mesh shared from another account (meshOwner) is rendered for EKS only`);
  }
  const ids = new Map<string, string>();
  for (const object of mesh.objects) ids.set(`${object.document.kind}/${object.awsName}`, meshLogicalId(object));
  const lookup = (kind: ApiKind, name: string): Json => {
    const id = ids.get(`${kind}/${name}`);
    return id ? getAtt(id, NAME_ATTRIBUTE[kind]) : name;
  };
  const meshName = getAtt('Mesh', 'MeshName');
  const resources: Record<string, CfnResource> = {};
  for (const object of mesh.objects) {
    const doc = object.document;
    const spec = doc.input.spec ? linkNames(appMeshCfn(doc.input.spec), lookup) : undefined;
    const hasSpec = spec !== undefined && !(typeof spec === 'object' && spec !== null && !Array.isArray(spec) && !Object.keys(spec).length);
    let properties: Record<string, Json>;
    switch (doc.kind) {
      case 'Mesh':
        properties = { MeshName: doc.input.meshName };
        break;
      case 'Route':
        properties = { MeshName: meshName, VirtualRouterName: lookup('VirtualRouter', doc.input.virtualRouterName), RouteName: doc.input.routeName };
        break;
      case 'GatewayRoute':
        properties = {
          MeshName: meshName,
          VirtualGatewayName: ids.has(`VirtualGateway/${doc.input.virtualGatewayName}`)
            ? getAtt(ids.get(`VirtualGateway/${doc.input.virtualGatewayName}`)!, 'VirtualGatewayName')
            : doc.input.virtualGatewayName,
          GatewayRouteName: doc.input.gatewayRouteName,
        };
        break;
      default:
        properties = { MeshName: meshName, [NAME_ATTRIBUTE[doc.kind]]: object.awsName };
    }
    // Mesh's Spec is optional; every other kind requires one, even an empty one.
    if (hasSpec || doc.kind !== 'Mesh') properties.Spec = spec ?? {};
    resources[meshLogicalId(object)] = { Type: TYPE[doc.kind], Properties: properties };
  }
  return {
    meshName: mesh.meshName,
    template: {
      AWSTemplateFormatVersion: '2010-09-09',
      Description: `App Mesh objects of ${walkthrough.name}: mesh ${mesh.meshName} and everything in it`,
      Resources: resources,
      Outputs: { MeshName: { Description: 'The mesh the tasks’ Envoys join (APPMESH_RESOURCE_ARN names it)', Value: meshName } },
    },
  };
}
