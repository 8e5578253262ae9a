/**
 * The CRD files the validator checks against, pinned: each is upstream's file at one commit,
 * fetched from GitHub and accepted only when its sha256 is the one written here. The files are
 * upstream data under their own licence (Apache 2.0) and stay out of this repository; this list
 * is what decides which versions every clone validates against. To move to a newer release,
 * change a set's commit and every hash of that set in one change (a new commit is a new cache folder).
 */
import type { SchemaSet } from './crds.js';

export interface PinnedFile {
  /** Path in the upstream repository at the set's commit. */
  path: string;
  /** Name in the set's folder: upstream's, except that App Mesh's drop their `appmesh.k8s.aws_` prefix. */
  file: string;
  sha256: string;
}

export interface PinnedSet {
  set: SchemaSet;
  /** GitHub `owner/name`. */
  repository: string;
  commit: string;
  /** The release the commit belongs to, for people reading the list; the commit is what is fetched. */
  release: string;
  files: readonly PinnedFile[];
}

export const DEFAULT_SCHEMA_BASE_URL = 'https://raw.githubusercontent.com';

export const SCHEMA_SOURCES: readonly PinnedSet[] = [
  {
    set: 'appmesh-crds',
    repository: 'aws/aws-app-mesh-controller-for-k8s',
    commit: '7588d122c3c45e1f873d7d016a30922f049764bf',
    release: 'a July 2026 commit',
    files: [
      { path: 'config/crd/bases/appmesh.k8s.aws_backendgroups.yaml', file: 'backendgroups.yaml', sha256: '2e7f05bfe097b667ddb9f3e1e7cd5e20ea0c830a722c3c78a6c1e64b59f219fb' },
      { path: 'config/crd/bases/appmesh.k8s.aws_gatewayroutes.yaml', file: 'gatewayroutes.yaml', sha256: 'cc77c30b6fa2bbfe087e0fe6a41d56443ead3dcc9bbb4dd52143514616a0b998' },
      { path: 'config/crd/bases/appmesh.k8s.aws_meshes.yaml', file: 'meshes.yaml', sha256: '9b4c3e13c639cefed15d840aca7f9c0c6e6e00460f8dbd61ac173a3dd3a8bb1e' },
      { path: 'config/crd/bases/appmesh.k8s.aws_virtualgateways.yaml', file: 'virtualgateways.yaml', sha256: 'd96866108f62054b3f605a0ca4748f10d2fadb01ee3de1ac9b510e3a675e85e7' },
      { path: 'config/crd/bases/appmesh.k8s.aws_virtualnodes.yaml', file: 'virtualnodes.yaml', sha256: '5e238951759b5018bd33d27d035cac0bd975564be67296934832d84d2da3b38c' },
      { path: 'config/crd/bases/appmesh.k8s.aws_virtualrouters.yaml', file: 'virtualrouters.yaml', sha256: '35bae2909300b3174f74973e782c6be44ff737fd51fff1bee064efad74095d83' },
      { path: 'config/crd/bases/appmesh.k8s.aws_virtualservices.yaml', file: 'virtualservices.yaml', sha256: 'bb7751f9e6bb7583ac17decf0e1fe975e8998b6febe9afbc36bf37627c600284' },
    ],
  },
  {
    set: 'istio-crds',
    repository: 'istio/api',
    commit: 'b8f8791d9653b2edc77a071d48887e582cfe84bf',
    release: 'a July 2026 commit',
    files: [
      { path: 'kubernetes/customresourcedefinitions.gen.yaml', file: 'customresourcedefinitions.gen.yaml', sha256: 'c98c49e3435f7ca04938cc710f929bbfe952472b177c3a7384b31e383c6b6c7a' },
    ],
  },
  {
    set: 'gateway-api-crds',
    repository: 'kubernetes-sigs/gateway-api',
    commit: '8bb74df00e56ec8f944d48c25e6c1c9c2f6848e3',
    release: 'v1.6.1, standard channel',
    files: [
      { path: 'config/crd/standard/gateway.networking.k8s.io_backendtlspolicies.yaml', file: 'gateway.networking.k8s.io_backendtlspolicies.yaml', sha256: '0d48c9e4b53dd9510cf615b9b1192d9d7afb07a1cc0498c9515627cb1c075419' },
      { path: 'config/crd/standard/gateway.networking.k8s.io_gatewayclasses.yaml', file: 'gateway.networking.k8s.io_gatewayclasses.yaml', sha256: '53710048ba26f8620eed59d5e51b157ecf040daf5c6eef31a4b991e0808c4be5' },
      { path: 'config/crd/standard/gateway.networking.k8s.io_gateways.yaml', file: 'gateway.networking.k8s.io_gateways.yaml', sha256: '25b885f5870b8fff1ae82efa2628b2761cef3745900c2aecf8fb76629a01255a' },
      { path: 'config/crd/standard/gateway.networking.k8s.io_grpcroutes.yaml', file: 'gateway.networking.k8s.io_grpcroutes.yaml', sha256: '53a8d029da8f07e55d3fa58a5cf6de5950dab19fbb8d6a8082fb5e51ca5ef6fc' },
      { path: 'config/crd/standard/gateway.networking.k8s.io_httproutes.yaml', file: 'gateway.networking.k8s.io_httproutes.yaml', sha256: 'a424a0d6c953b162e71d1d97bb7e75012d8f1ac264e7274f2763d1b96ab39852' },
      { path: 'config/crd/standard/gateway.networking.k8s.io_listenersets.yaml', file: 'gateway.networking.k8s.io_listenersets.yaml', sha256: 'bf4d4b02564999b2558b96e31465129895db9b3a8adfb90adb9c80eac52a3a70' },
      { path: 'config/crd/standard/gateway.networking.k8s.io_referencegrants.yaml', file: 'gateway.networking.k8s.io_referencegrants.yaml', sha256: '8c645e9333cfa67790cc2a53e0c00076f88b2bd4230d2b49688c78bc34f9b2c3' },
      { path: 'config/crd/standard/gateway.networking.k8s.io_tcproutes.yaml', file: 'gateway.networking.k8s.io_tcproutes.yaml', sha256: 'd5104d0cf30e924f5e3c9e2e76abd46876401c34ca33b9e79321523eee78c7f6' },
      { path: 'config/crd/standard/gateway.networking.k8s.io_tlsroutes.yaml', file: 'gateway.networking.k8s.io_tlsroutes.yaml', sha256: 'bb8b67926e5d9652cbfd2e19063b7c1d9e78806c9dd671608f57baef2f2e3bbb' },
      { path: 'config/crd/standard/gateway.networking.k8s.io_udproutes.yaml', file: 'gateway.networking.k8s.io_udproutes.yaml', sha256: '4b80684c2bf8ef4b0a2a3ab45164ac9f96258fc69912645ff50ced595b0aa6de' },
    ],
  },
  {
    set: 'lattice-crds',
    repository: 'aws/aws-application-networking-k8s',
    commit: 'e3fb86ea0573aa299458b9b022c59a364584b6e8',
    release: 'v2.1.3',
    files: [
      { path: 'config/crds/bases/application-networking.k8s.aws_accesslogpolicies.yaml', file: 'application-networking.k8s.aws_accesslogpolicies.yaml', sha256: '1b5475cd2311fa01669544b4d527677b8290f366ecbf5a3992998dd6a2661bf1' },
      { path: 'config/crds/bases/application-networking.k8s.aws_iamauthpolicies.yaml', file: 'application-networking.k8s.aws_iamauthpolicies.yaml', sha256: 'cbd2ae363c101b7de222f9624151356e4cda33ee813b85abd02dfa33bfc5efbc' },
      { path: 'config/crds/bases/application-networking.k8s.aws_serviceexports.yaml', file: 'application-networking.k8s.aws_serviceexports.yaml', sha256: '219d1c29057eeeafd4321be4e347d8daf678db81101aefa75dedf3591f46bbd2' },
      { path: 'config/crds/bases/application-networking.k8s.aws_serviceimports.yaml', file: 'application-networking.k8s.aws_serviceimports.yaml', sha256: '88245297e2d1a425896b98d9051904deae3cafbcaf40d129cbc8b9869884779b' },
      { path: 'config/crds/bases/application-networking.k8s.aws_servicenetworks.yaml', file: 'application-networking.k8s.aws_servicenetworks.yaml', sha256: '89d3247af0403163f11b7ce23052bda9a922d3adddd90bf1643a5c3436dabeff' },
      { path: 'config/crds/bases/application-networking.k8s.aws_targetgrouppolicies.yaml', file: 'application-networking.k8s.aws_targetgrouppolicies.yaml', sha256: 'bf8d9a779758a559596ef783351e398098d4af2a158f095692c1fc5ddfc6efc6' },
      { path: 'config/crds/bases/application-networking.k8s.aws_vpcassociationpolicies.yaml', file: 'application-networking.k8s.aws_vpcassociationpolicies.yaml', sha256: 'fa8856c889bc10a59ac9c9f4f568b3ea6acb7837ec759cb3b50ff04db123f0f0' },
    ],
  },
];

/** Where one pinned file is served: `<base>/<owner>/<name>/<commit>/<path>`, raw.githubusercontent.com's layout. */
export function sourceUrl(baseUrl: string, pinned: PinnedSet, file: PinnedFile): string {
  return `${baseUrl.replace(/\/+$/, '')}/${pinned.repository}/${pinned.commit}/${file.path}`;
}
