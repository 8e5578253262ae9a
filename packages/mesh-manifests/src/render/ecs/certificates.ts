/**
 * File-based TLS on Fargate. Envoy reads its certificate, key and CA bundle from files, but a
 * Fargate task has no host to mount them from and we bake no private key into an image. So each
 * PEM file lives in SSM Parameter Store as a SecureString (free in the standard tier, unlike ACM
 * Private CA); the ECS agent hands them, decrypted with the execution role, to a short-lived init
 * container as environment variables; it writes them into a task volume, readable only by Envoy's
 * UID, and exits; Envoy starts once it has succeeded and mounts that volume read-only.
 */
import type { ClientPolicy, FileCertificate, ListenerTlsCertificate, VirtualGateway, VirtualNode } from '../../model/appmesh.js';
import type { CertificateAuthority } from '../../model/aws.js';
import type { Walkthrough } from '../../model/walkthrough.js';

export interface CertificateFile {
  /** Where Envoy reads it, e.g. `/certs/colorteller_key.pem`. */
  path: string;
  /** The CA's folder, mounted as one volume. */
  directory: string;
  ca: string;
  /** SSM parameter name: `/amw/<walkthrough>/<ca>/<file>`. */
  parameter: string;
  /** Environment variable the init container receives it in. */
  variable: string;
  isKey: boolean;
}

function fromListenerCertificate(c: ListenerTlsCertificate | { file?: FileCertificate } | undefined): string[] {
  return c?.file ? [c.file.certificateChain, c.file.privateKey] : [];
}

function fromClientPolicy(p: ClientPolicy | undefined): string[] {
  if (!p?.tls) return [];
  return [...fromListenerCertificate(p.tls.certificate), ...(p.tls.validation.trust.file ? [p.tls.validation.trust.file.certificateChain] : [])];
}

/** Every file path a virtual node's or gateway's Envoy reads. */
export function filesReadBy(object: VirtualNode | VirtualGateway): string[] {
  const spec = object.spec;
  const paths = [
    ...(spec.listeners ?? []).flatMap((l) => [
      ...fromListenerCertificate(l.tls?.certificate),
      ...(l.tls?.validation?.trust.file ? [l.tls.validation.trust.file.certificateChain] : []),
    ]),
    ...fromClientPolicy(spec.backendDefaults?.clientPolicy),
    ...(object.kind === 'VirtualNode' ? (object.spec.backends ?? []).flatMap((b) => fromClientPolicy(b.virtualService.clientPolicy)) : []),
  ];
  return [...new Set(paths)].sort();
}

function envName(file: string): string {
  return `PEM_${file.replace(/\.pem$/, '').replace(/[^A-Za-z0-9]+/g, '_').toUpperCase()}`;
}

/** Which CA issued the file at `path`, and where it is stored; an unknown path is an error. */
export function certificateFile(walkthrough: Walkthrough, authorities: readonly CertificateAuthority[], path: string): CertificateFile {
  for (const ca of authorities) {
    const directory = ca.spec.directory.replace(/\/$/, '');
    const names = ['ca_cert.pem', ...ca.spec.certificates.flatMap((c) => [`${c.name}_cert_chain.pem`, `${c.name}_key.pem`])];
    const file = names.find((name) => `${directory}/${name}` === path);
    if (file) {
      return {
        path,
        directory,
        ca: ca.metadata.name,
        parameter: `/amw/${walkthrough.name}/${ca.metadata.name}/${file}`,
        variable: envName(file),
        isKey: file.endsWith('_key.pem'),
      };
    }
  }
  throw new Error(`${walkthrough.name}: Envoy reads ${path}, which no CertificateAuthority of the walkthrough issues (its directory and file names must match)`);
}
