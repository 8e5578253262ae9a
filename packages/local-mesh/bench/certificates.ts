/**
 * Certificates for the mutual-TLS path, issued the way a walkthrough's TLS steps get theirs: a
 * CertificateAuthority resource handed to the local mesh's CertificateStore, which creates the CA
 * and writes every file, here into a temporary directory removed at the end of the run (a fresh
 * CA each run: nothing of the bench outlives it, and nothing of a walkthrough's CA is touched).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CertificateAuthority } from '@amw/mesh-manifests';
import { CertificateStore } from '../src/tls/cert-store.js';
import { MESH, type PairTls } from './mesh-config.js';

/** Where the files would be mounted in a container; the store keys them by this path. */
const DIRECTORY = '/certs';
const CLIENT = 'client';

export const subjectName = (name: string) => `${name}.${MESH}.local`;

export interface BenchCertificates {
  /** The TLS settings of the hop from the client sidecar to `app`'s server sidecar. */
  pairFor(app: string): PairTls;
  /** PEM of the CA, for the checks that the hop refuses what it should. */
  caPem: string;
  remove(): Promise<void>;
}

export async function benchCertificates(apps: string[]): Promise<BenchCertificates> {
  const dir = await mkdtemp(join(tmpdir(), 'amw-bench-certs-'));
  try {
    const authority: CertificateAuthority = {
      kind: 'CertificateAuthority',
      metadata: { name: 'bench-ca' },
      spec: {
        commonName: 'local-mesh bench CA',
        directory: DIRECTORY,
        certificates: [CLIENT, ...apps].map((name) => ({ name, subjectAlternativeNames: [subjectName(name)] })),
      },
    };
    const store = await CertificateStore.prepare([authority], dir);
    const file = (name: string, kind: 'cert_chain' | 'key') => store.read(`${DIRECTORY}/${name}_${kind}.pem`);
    const caPem = store.read(`${DIRECTORY}/ca_cert.pem`);
    return {
      caPem,
      // Each end names the other's certificate, as a STRICT listener with validation and a client
      // policy with subject alternative names do: a certificate the CA signed for anyone else fails.
      pairFor: (app) => ({
        listener: {
          mode: 'STRICT',
          certificateChain: file(app, 'cert_chain'),
          privateKey: file(app, 'key'),
          trustedCa: caPem,
          subjectAlternativeNames: [subjectName(CLIENT)],
        },
        cluster: {
          trustedCa: caPem,
          certificateChain: file(CLIENT, 'cert_chain'),
          privateKey: file(CLIENT, 'key'),
          subjectAlternativeNames: [subjectName(app)],
        },
      }),
      remove: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
