/**
 * The AWS pieces around a mesh that some walkthroughs need: IAM for Envoy (and the agents beside
 * it), the Kubernetes service account that assumes it (IRSA), a RAM share of the mesh, Cloud Map
 * namespaces, VPC peering, and a certificate authority of our own for file-based TLS.
 *
 * ARNs in policies are templates in CloudFormation's `Fn::Sub` syntax (`${AWS::Region}`,
 * `${AWS::AccountId}`, `${AWS::Partition}`, or a declared parameter such as `${MeshOwnerAccountId}`),
 * so a rendered template resolves them in the learner's own account.
 */
import type { ObjectMeta } from './appmesh.js';

export interface IamStatement {
  effect: 'Allow' | 'Deny';
  actions: string[];
  resources: string[];
}

export interface IamPolicy {
  kind: 'IamPolicy';
  metadata: ObjectMeta;
  spec: {
    description: string;
    /** CloudFormation parameters the resource templates use, with what to fill in. */
    parameters?: Record<string, { description: string }>;
    statements: IamStatement[];
  };
}

/** A Kubernetes service account whose pods (and their Envoy) assume an IAM role (IRSA). */
export interface ServiceAccountRole {
  kind: 'ServiceAccountRole';
  /** The service account's name and namespace. */
  metadata: ObjectMeta;
  spec: {
    /** IAM role name, unique in the account. */
    roleName: string;
    /** Names of `IamPolicy` resources attached to the role. */
    policies: string[];
  };
}

/** AWS RAM share of a mesh with another account. */
export interface ResourceShare {
  kind: 'ResourceShare';
  metadata: ObjectMeta;
  spec: {
    allowExternalPrincipals: boolean;
    /** The mesh shared, by name; its ARN is in the owner's account. */
    meshName: string;
    /** Accounts (by `Walkthrough.accounts` name) the mesh is shared with. */
    principals: string[];
  };
}

export interface CloudMapServiceFacts {
  name: string;
  /** DNS namespaces only: record type and TTL of the instances' records. */
  dnsRecord?: { type: 'A'; ttl: number };
}

export interface CloudMapNamespace {
  kind: 'CloudMapNamespace';
  metadata: ObjectMeta;
  spec: {
    /** `http`: API discovery only (App Mesh's `awsCloudMap`); `dns-private`: a private Route 53 zone in the VPC. */
    type: 'http' | 'dns-private';
    /** Services the walkthrough creates itself; on EKS the controller creates those of `awsCloudMap` nodes. */
    services?: CloudMapServiceFacts[];
  };
}

export interface VpcPeering {
  kind: 'VpcPeering';
  metadata: ObjectMeta;
  spec: {
    /** Cluster (by `Walkthrough.clusters` name) whose account requests the peering. */
    requester: string;
    /** Cluster whose account accepts it through a role it lets the requester assume. */
    accepter: string;
  };
}

export interface IssuedCertificate {
  /** File name stem: `<name>_cert_chain.pem`, `<name>_key.pem`. */
  name: string;
  subjectAlternativeNames: string[];
}

/**
 * A certificate authority of our own, for file-based TLS without ACM Private CA (which costs money).
 * Envoys read the CA bundle and their certificate from files at these paths.
 */
export interface CertificateAuthority {
  kind: 'CertificateAuthority';
  metadata: ObjectMeta;
  spec: {
    commonName: string;
    /** Where Envoy finds the files: `<dir>/ca_cert.pem`, `<dir>/<name>_cert_chain.pem`, `<dir>/<name>_key.pem`. */
    directory: string;
    certificates: IssuedCertificate[];
  };
}

export type AwsResource = IamPolicy | ServiceAccountRole | ResourceShare | CloudMapNamespace | VpcPeering | CertificateAuthority;

export function certificateFiles(ca: CertificateAuthority, certificate: string) {
  const dir = ca.spec.directory.replace(/\/$/, '');
  return {
    certificateChain: `${dir}/${certificate}_cert_chain.pem`,
    privateKey: `${dir}/${certificate}_key.pem`,
    caBundle: `${dir}/ca_cert.pem`,
  };
}

export interface ArnParts {
  partition?: string;
  region: string;
  account: string;
}

/** App Mesh ARNs: resources of a (possibly shared) mesh live under the mesh owner's account. */
export function appMeshArn(parts: ArnParts, mesh: string, resource?: { type: string; name: string }): string {
  const base = `arn:${parts.partition ?? 'aws'}:appmesh:${parts.region}:${parts.account}:mesh/${mesh}`;
  return resource ? `${base}/${resource.type}/${resource.name}` : base;
}

/** The inverse of `appMeshArn`, for readers (the local mesh) that resolve an ARN reference. */
export function parseAppMeshArn(arn: string): { mesh: string; type?: string; name?: string; region: string; account: string } {
  const match = /^arn:[^:]+:appmesh:([^:]*):([^:]*):mesh\/([^/]+)(?:\/([^/]+)\/(.+))?$/.exec(arn);
  if (!match) throw new Error(`not an App Mesh ARN: ${arn}`);
  const [, region = '', account = '', mesh = '', type, name] = match;
  return { mesh, region, account, ...(type ? { type, name } : {}) };
}
