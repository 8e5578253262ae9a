/**
 * Istio's mutual TLS between proxies, locally: a mesh CA per run standing for istiod's, one
 * workload certificate per service account with Istio's SPIFFE identity, the inbound TLS a
 * PeerAuthentication asks for, and auto mTLS on the outbound clusters.
 *
 * Issuing keys is asynchronous and resolving is not, so the run issues what a step's pods need
 * before it resolves (`IstioMeshCa.certificatesFor`) and the resolver only looks them up.
 * Workload keys live in memory only, as Istio's SDS hands them to Envoy without writing files;
 * the root is kept on disk so a learner can inspect the chain a proxy presents.
 */
import type { Instance } from '../control-plane/world.js';
import { ResolveError } from '../control-plane/resolve.js';
import type { ClusterTls } from '../proxy/cluster.js';
import type { ListenerTls } from '../proxy/listener.js';
import { issueUriCertificate, loadOrCreateCa, type IssuedCertificate, type LocalCa } from '../tls/local-ca.js';
import { isJson } from './istio-objects.js';
import { namespacePeerMode, peerAuthenticationMode } from './istio-scope.js';
import type { TargetWorld } from './target-world.js';

/** What the resolver needs to configure mutual TLS: the mesh root and a certificate per SPIFFE ID. */
export interface IstioMeshCertificates {
  rootCa: string;
  workloads: ReadonlyMap<string, IssuedCertificate>;
}

/** The trust domain of a cluster's istiod: meshConfig.trustDomain, else Istio's default. */
export function trustDomainOf(world: Pick<TargetWorld, 'clusters'>, cluster: string): string {
  const values = world.clusters.find((c) => c.name === cluster)?.istiodValues?.values;
  const mesh = isJson(values?.meshConfig) ? values.meshConfig : {};
  return typeof mesh.trustDomain === 'string' && mesh.trustDomain !== '' ? mesh.trustDomain : 'cluster.local';
}

/** Istio's workload identity: `spiffe://<trust domain>/ns/<namespace>/sa/<service account>`. */
export function spiffeIdOf(world: Pick<TargetWorld, 'clusters'>, pod: Instance): string {
  const account = pod.workload.spec.serviceAccountName ?? 'default';
  return `spiffe://${trustDomainOf(world, pod.cluster)}/ns/${pod.namespace ?? 'default'}/sa/${account}`;
}

/** Pods with an Istio proxy of their own: sidecars and ingress gateway pods hold a workload certificate. */
const inMesh = (pod: Instance) => pod.identity?.kind === 'VirtualNode' || pod.identity?.kind === 'VirtualGateway';

/**
 * The mesh CA of a run. One root for every cluster of the walkthrough: yelb-multi-account's
 * multi-primary setup assumes its two istiods share a root (plugged-in CA certificates), which is
 * what lets a frontend pod's sidecar trust the backend's. Certificates are issued once per SPIFFE
 * ID and reused at every later step.
 */
export class IstioMeshCa {
  private ca: Promise<LocalCa> | undefined;
  private readonly issued = new Map<string, Promise<IssuedCertificate>>();

  /** `dir`: where the root is kept (`<stateDir>/certs/<walkthrough>/istio-ca`). */
  constructor(private readonly dir: string) {}

  async certificatesFor(world: TargetWorld): Promise<IstioMeshCertificates> {
    this.ca ??= loadOrCreateCa(this.dir);
    const ca = await this.ca;
    for (const pod of world.instances.filter(inMesh)) {
      const id = spiffeIdOf(world, pod);
      if (!this.issued.has(id)) this.issued.set(id, issueUriCertificate(ca, [id]));
    }
    const workloads = new Map<string, IssuedCertificate>();
    for (const [id, certificate] of this.issued) workloads.set(id, await certificate);
    return { rootCa: ca.certificatePem, workloads };
  }
}

/** The DestinationRule's `trafficPolicy.tls` as the cluster resolves it (subset, then port level). */
export interface DestinationTls {
  /** Absent: auto mTLS decides. */
  mode?: 'ISTIO_MUTUAL' | 'DISABLE';
  subjectAltNames?: string[];
}

/** Looks up certificates and decides TLS for one resolve pass. */
export class MeshTls {
  constructor(
    private readonly world: TargetWorld,
    private readonly certificates: IstioMeshCertificates,
  ) {}

  private certificateOf(pod: Instance): IssuedCertificate {
    const id = spiffeIdOf(this.world, pod);
    const certificate = this.certificates.workloads.get(id);
    // A run issues every pod's certificate before it resolves; missing means a caller skipped that.
    if (!certificate) throw new ResolveError(`no workload certificate for ${id} (pod ${pod.key}): the mesh CA must issue the step's certificates before the configuration is resolved`);
    return certificate;
  }

  /** The sidecar's inbound TLS on the pod's port, by the PeerAuthentication that applies. */
  inbound(pod: Instance, podPort: number | undefined): ListenerTls | undefined {
    const mode = peerAuthenticationMode(this.world, pod, podPort);
    if (mode === 'DISABLE') return undefined;
    const { certificateChain, privateKey } = this.certificateOf(pod);
    // trustedCa makes the listener ask for and verify a client certificate: mutual TLS.
    return { mode, certificateChain, privateKey, trustedCa: this.certificates.rootCa };
  }

  /**
   * TLS a client's cluster originates to `pods` (the endpoints of one Service, subset and port).
   * ISTIO_MUTUAL or auto mTLS: the client's own certificate, the mesh root, and the destination
   * pods' identities as the names the server must prove. Auto mTLS only when every endpoint has a
   * sidecar (an app without one would get a TLS handshake it cannot read) and the destination's
   * namespace does not DISABLE mutual TLS.
   */
  outbound(client: Instance, service: { namespace: string }, pods: readonly Instance[], tls: DestinationTls): ClusterTls | undefined {
    if (tls.mode === 'DISABLE' || pods.length === 0) return undefined;
    if (tls.mode === undefined) {
      if (!pods.every((pod) => pod.identity?.kind === 'VirtualNode')) return undefined;
      if (namespacePeerMode(this.world, client.cluster, service.namespace) === 'DISABLE') return undefined;
    }
    const { certificateChain, privateKey } = this.certificateOf(client);
    const names = tls.subjectAltNames?.length ? tls.subjectAltNames : [...new Set(pods.map((pod) => spiffeIdOf(this.world, pod)))].sort();
    return { trustedCa: this.certificates.rootCa, certificateChain, privateKey, subjectAlternativeNames: names };
  }
}
