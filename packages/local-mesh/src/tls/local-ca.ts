/**
 * The certificate authority of the local mesh. The ECS TLS walkthrough used ACM Private CA, which
 * costs money; here a CA of our own issues file-based certificates (App Mesh's `certificate.file`
 * and `validation.trust.file`), so the partial and full TLS steps can be run for free.
 *
 * Keys are ECDSA P-256: quick to generate, and what Envoy negotiates with any TLS 1.2+ client.
 */
import { webcrypto } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

export interface LocalCa {
  certificatePem: string;
  privateKey: CryptoKey;
}

export interface IssuedCertificate {
  /** Leaf certificate followed by the CA certificate, as Envoy's `certificate_chain` expects. */
  certificateChain: string;
  privateKey: string;
}

async function exportKey(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`;
}

async function importKey(pem: string): Promise<CryptoKey> {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return webcrypto.subtle.importKey('pkcs8', der, ALGORITHM, true, ['sign']);
}

function serial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1');
}

export async function createCa(commonName = 'App Mesh workshops local CA', days = 3650): Promise<LocalCa> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${commonName}`,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + days * DAY_MS),
    signingAlgorithm: ALGORITHM,
    keys: keys as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'],
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as never),
    ],
  });
  return { certificatePem: certificate.toString('pem') + '\n', privateKey: keys.privateKey };
}

/** Issues a server/client certificate for the given DNS names (the first is the common name). */
export async function issueCertificate(ca: LocalCa, dnsNames: string[], days = 365): Promise<IssuedCertificate> {
  if (dnsNames.length === 0) throw new Error('a certificate needs at least one DNS name');
  return issue(ca, `CN=${dnsNames[0]}`, new x509.SubjectAlternativeNameExtension(dnsNames.map((name) => ({ type: 'dns' as const, value: name }))), days);
}

/**
 * Issues a workload certificate whose identity is a URI (a SPIFFE ID), as Istio's CA does: the
 * subject is empty and the identity lives only in the subject alternative name, which is then
 * critical (RFC 5280 §4.2.1.6 requires it when the subject is empty).
 */
export async function issueUriCertificate(ca: LocalCa, uris: string[], days = 365): Promise<IssuedCertificate> {
  if (uris.length === 0) throw new Error('a workload certificate needs at least one URI');
  return issue(ca, '', new x509.SubjectAlternativeNameExtension(uris.map((uri) => ({ type: 'url' as const, value: uri })), true), days);
}

async function issue(ca: LocalCa, subject: string, altNames: x509.SubjectAlternativeNameExtension, days: number): Promise<IssuedCertificate> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const caCert = new x509.X509Certificate(ca.certificatePem);
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: caCert.subject,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + days * DAY_MS),
    signingAlgorithm: ALGORITHM,
    publicKey: keys.publicKey as never,
    signingKey: ca.privateKey as never,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      altNames,
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return {
    certificateChain: certificate.toString('pem') + '\n' + ca.certificatePem,
    privateKey: await exportKey(keys.privateKey),
  };
}

/** Loads the CA kept in `dir`, creating it on first use so certificates stay valid across runs. */
export async function loadOrCreateCa(dir: string): Promise<LocalCa> {
  const certPath = join(dir, 'ca_cert.pem');
  const keyPath = join(dir, 'ca_key.pem');
  if (existsSync(certPath) && existsSync(keyPath)) {
    return { certificatePem: await readFile(certPath, 'utf8'), privateKey: await importKey(await readFile(keyPath, 'utf8')) };
  }
  const ca = await createCa();
  await mkdir(dir, { recursive: true });
  await writeFile(certPath, ca.certificatePem);
  await writeFile(keyPath, await exportKey(ca.privateKey), { mode: 0o600 });
  return ca;
}
