/**
 * The files a walkthrough's TLS settings name (`/certs/colorteller_cert_chain.pem`…), issued by
 * the local CA from the walkthrough's CertificateAuthority resources and kept under
 * `.local-mesh/certs/<walkthrough>/`. The control plane reads them by the path the mesh objects
 * use, and hands their contents to the proxies, as Envoy reads files mounted into its container.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CertificateAuthority } from '@amw/mesh-manifests';
import { issueCertificate, loadOrCreateCa } from './local-ca.js';

export class UnknownCertificateError extends Error {
  constructor(readonly path: string, known: string[]) {
    super(
      `no certificate file ${path}: the walkthrough's CertificateAuthority resources issue ${known.length ? known.join(', ') : 'none'}; ` +
        'add the certificate to a CertificateAuthority (spec.certificates) or fix the path',
    );
    this.name = 'UnknownCertificateError';
  }
}

export class CertificateStore {
  private readonly files = new Map<string, string>();

  /** Issues (once per run) every certificate the authorities list, and writes them to `dir`. */
  static async prepare(authorities: CertificateAuthority[], dir: string): Promise<CertificateStore> {
    const store = new CertificateStore();
    for (const authority of authorities) {
      const ca = await loadOrCreateCa(join(dir, authority.metadata.name));
      const base = authority.spec.directory.replace(/\/$/, '');
      store.files.set(`${base}/ca_cert.pem`, ca.certificatePem);
      for (const certificate of authority.spec.certificates) {
        const issued = await issueCertificate(ca, certificate.subjectAlternativeNames);
        store.files.set(`${base}/${certificate.name}_cert_chain.pem`, issued.certificateChain);
        store.files.set(`${base}/${certificate.name}_key.pem`, issued.privateKey);
      }
      const out = join(dir, authority.metadata.name);
      await mkdir(out, { recursive: true });
      for (const [path, content] of store.files) {
        if (path.startsWith(`${base}/`)) await writeFile(join(out, path.slice(base.length + 1)), content, { mode: path.endsWith('_key.pem') ? 0o600 : 0o644 });
      }
    }
    return store;
  }

  read(path: string): string {
    const content = this.files.get(path);
    if (content === undefined) throw new UnknownCertificateError(path, [...this.files.keys()]);
    return content;
  }
}
