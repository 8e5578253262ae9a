/**
 * The App Mesh Envoy images AWS actually published, kept as data so the lint can say "this tag
 * does not exist" offline and suggest the nearest one that does.
 *
 * Sources (all public; searched through the project's research tools):
 * - aws/aws-app-mesh-controller-for-k8s history: the controller's default sidecar image
 *   (`pkg/inject/config.go`, later `Makefile` / `config/helm/appmesh-controller`), each bump
 *   merged only after the image was published (the PRs say "make sure the … image is available
 *   in public ECR before merging"). Commit ids below are that repository's.
 * - aws/eks-charts history: `stable/appmesh-inject/values.yaml` (2019–2020 images).
 * - aws/aws-app-mesh-roadmap "Feature Request: Release Envoy vX" issues, each closed with
 *   "The images have been released" and the per-region registries (issue numbers below).
 * - amazon-archives/aws-app-mesh-inject#27 for the 2019 v1.9.0.0 image.
 *
 * Registries: `public.ecr.aws/appmesh/aws-appmesh-envoy` (public gallery, since early 2021 —
 * roadmap #296); `840364872350.dkr.ecr.<region>.amazonaws.com/aws-appmesh-envoy` for every
 * region except the opt-in ones below, which have their own accounts (roadmap #168, #296,
 * #337, #431, #486, #500, #505); FIPS variants `<tag>-fips` on the regional registries from
 * v1.29.5.0 on (roadmap #492, #499). The 2019 us-west-2 registry 111345817488 (roadmap #92,
 * aws-app-mesh-inject#27) served the earliest tags.
 */

interface ReleasedTag {
  tag: string;
  source: string;
  /** Published but pulled back (a crash, a regression): accepted, never suggested. */
  withdrawn?: true;
}

export const KNOWN_ENVOY_TAGS: readonly ReleasedTag[] = [
  { tag: 'v1.9.0.0-prod', source: 'amazon-archives/aws-app-mesh-inject#27' },
  { tag: 'v1.11.1.0-prod', source: 'aws-app-mesh-roadmap#92; eks-charts 1d7868d' },
  { tag: 'v1.11.2.0-prod', source: 'eks-charts 5188d07' },
  { tag: 'v1.12.0.0-prod', source: 'aws-app-mesh-roadmap#132; eks-charts ccddd38' },
  { tag: 'v1.12.1.0-prod', source: 'eks-charts f52c452' },
  { tag: 'v1.12.1.1-prod', source: 'eks-charts c13243d' },
  { tag: 'v1.12.2.0-prod', source: 'aws-app-mesh-roadmap#141 (crashed, superseded by .1); eks-charts e80dab0', withdrawn: true },
  { tag: 'v1.12.2.1-prod', source: 'aws-app-mesh-roadmap#141; eks-charts 403cba7' },
  { tag: 'v1.12.3.0-prod', source: 'controller 24476e4d' },
  { tag: 'v1.12.4.0-prod', source: 'aws-app-mesh-roadmap#219; controller 06af2965' },
  { tag: 'v1.12.5.0-prod', source: 'controller 03e0378c' },
  { tag: 'v1.13.1.0-prod', source: 'aws-app-mesh-roadmap#168; eks-charts 5de1be0' },
  { tag: 'v1.13.1.1-prod', source: 'aws-app-mesh-roadmap#168; eks-charts 89a45dd' },
  { tag: 'v1.15.0.0-prod', source: 'aws-app-mesh-roadmap#242; controller 921ccf52' },
  { tag: 'v1.15.1.0-prod', source: 'aws-app-mesh-roadmap#268; controller 013f239c; eks-charts#273' },
  { tag: 'v1.16.1.0-prod', source: 'aws-app-mesh-roadmap#296; controller b095a22c' },
  { tag: 'v1.16.1.1-prod', source: 'controller c6a9e2f5' },
  { tag: 'v1.16.3.0-prod', source: 'aws-app-mesh-roadmap#336' },
  { tag: 'v1.17.2.0-prod', source: 'aws-app-mesh-roadmap#337; controller 64822fb3' },
  { tag: 'v1.17.3.0-prod', source: 'aws-app-mesh-roadmap#345' },
  { tag: 'v1.18.3.0-prod', source: 'controller 3bbed5b5' },
  { tag: 'v1.18.4.0-prod', source: 'aws-app-mesh-roadmap#370' },
  { tag: 'v1.19.0.0-prod', source: 'aws-app-mesh-roadmap#363; controller 18f13d9a' },
  { tag: 'v1.19.1.0-prod', source: 'controller e4d95ea1; eks-charts v0.0.62' },
  { tag: 'v1.19.1.1-prod', source: 'controller ebf8654f' },
  { tag: 'v1.20.0.0-prod', source: 'aws-app-mesh-roadmap#378' },
  { tag: 'v1.20.0.1-prod', source: 'controller cf761f42 (PR #538)' },
  { tag: 'v1.20.2.0-prod', source: 'aws-app-mesh-roadmap#400' },
  { tag: 'v1.21.0.0-prod', source: 'aws-app-mesh-roadmap#389' },
  { tag: 'v1.21.1.1-prod', source: 'controller 7b11c661 (PR #568)' },
  { tag: 'v1.21.1.2-prod', source: 'controller 2cf7af4f (PR #569)' },
  { tag: 'v1.21.2.0-prod', source: 'aws-app-mesh-roadmap#412' },
  { tag: 'v1.22.0.0-prod', source: 'controller 20928445 (PR #592)' },
  { tag: 'v1.22.2.0-prod', source: 'controller d56486c4 (PR #602)' },
  { tag: 'v1.22.2.1-prod', source: 'controller a8de5ebd (PR #621)' },
  { tag: 'v1.23.1.0-prod', source: 'aws-app-mesh-roadmap#431; controller 3c508db1' },
  { tag: 'v1.24.0.0-prod', source: 'aws-app-mesh-roadmap#442; controller b9baa2bb' },
  { tag: 'v1.24.1.0-prod', source: 'controller 19811b83' },
  { tag: 'v1.25.1.0-prod', source: 'aws-app-mesh-roadmap#455; controller 6413389b (PR #682)' },
  { tag: 'v1.25.3.0-prod', source: 'controller 74f054e2' },
  { tag: 'v1.25.4.0-prod', source: 'aws-app-mesh-roadmap#459; controller 3541468d (PR #693)' },
  { tag: 'v1.26.4.0-prod', source: 'aws-app-mesh-roadmap#477; controller 683e4894 (PR #722)' },
  { tag: 'v1.27.0.0-prod', source: 'aws-app-mesh-roadmap#479; controller 0c297e67' },
  { tag: 'v1.27.2.0-prod', source: 'aws-app-mesh-roadmap#481; controller 3a694a98' },
  { tag: 'v1.27.3.0-prod', source: 'aws-app-mesh-roadmap#486; controller 4a65251a (PR #760)' },
  { tag: 'v1.29.4.0-prod', source: 'aws-app-mesh-roadmap#491; controller e4d82b0a (reverted in PR #775: IRSA issue)', withdrawn: true },
  { tag: 'v1.29.5.0-prod', source: 'aws-app-mesh-roadmap#492; controller 6883bc90' },
  { tag: 'v1.29.6.0-prod', source: 'aws-app-mesh-roadmap#494; controller 03d60d6a (PR #783)' },
  { tag: 'v1.29.6.1-prod', source: 'controller e90307c9' },
  { tag: 'v1.29.9.0-prod', source: 'aws-app-mesh-roadmap#499; controller f5a36e18 (PR #788)' },
  { tag: 'v1.29.12.0-prod', source: 'aws-app-mesh-roadmap#500; controller 00aff89e (PR #790)' },
  { tag: 'v1.29.12.1-prod', source: 'aws-app-mesh-roadmap#501; controller 0fc2b1c7' },
  { tag: 'v1.29.12.2-prod', source: 'aws-app-mesh-roadmap#503; controller acacb6b6' },
  { tag: 'v1.29.12.3-prod', source: 'controller 852b7b54; eks-charts' },
  { tag: 'v1.34.4.0-prod', source: 'aws-app-mesh-roadmap#505; controller 64818c40' },
  { tag: 'v1.34.4.2-prod', source: 'aws-app-mesh-roadmap#506; controller 2c17f5ac' },
  { tag: 'v1.34.12.0-prod', source: 'aws-app-mesh-roadmap#507; controller e93c952b' },
  { tag: 'v1.34.12.1-prod', source: 'controller 0bad8181' },
  { tag: 'v1.34.13.0-prod', source: 'aws-app-mesh-roadmap#509; controller 2ecf783f' },
  { tag: 'v1.34.13.1-prod', source: 'controller 46ff0a63' },
  { tag: 'v1.34.13.2-prod', source: 'controller 2dcdbcfe' },
  { tag: 'v1.34.13.3-prod', source: 'controller 7884632a (2026-07-14)' },
];

export const PUBLIC_ENVOY_REPOSITORY = 'public.ecr.aws/appmesh/aws-appmesh-envoy';
export const ENVOY_REPOSITORY_NAME = 'aws-appmesh-envoy';
/** The account serving every region that has no registry of its own. */
export const DEFAULT_ENVOY_ACCOUNT = '840364872350';

/** Opt-in regions' own registry accounts (roadmap issues cited above). */
export const REGIONAL_ENVOY_ACCOUNTS: Readonly<Record<string, string>> = {
  'me-south-1': '772975370895',
  'ap-east-1': '856666278305',
  'eu-south-1': '422531588944',
  'af-south-1': '924023996002',
  'cn-north-1': '919366029133',
  'cn-northwest-1': '919830735681',
  'ap-southeast-3': '909464085924',
  'il-central-1': '564877687649',
  'eu-south-2': '992897592190',
  'eu-central-2': '704106688930',
};

const LEGACY_ACCOUNT = { account: '111345817488', region: 'us-west-2' };

/** The newest released tag: what a fix suggests when nothing closer fits. */
export const LATEST_ENVOY_TAG = (KNOWN_ENVOY_TAGS[KNOWN_ENVOY_TAGS.length - 1] as ReleasedTag).tag;

const TAGS = new Set(KNOWN_ENVOY_TAGS.map((t) => t.tag));

function versionOf(tag: string): number[] | undefined {
  const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(tag);
  if (!match) return undefined;
  return [1, 2, 3, 4].map((i) => Number(match[i] ?? 0));
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < 4; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

/** A released tag (FIPS or not) of an older Envoy than the last release. */
export function isOlderThanLatest(tag: string): boolean {
  const version = versionOf(tag.replace(/-fips$/, ''));
  return version !== undefined && compareVersions(version, versionOf(LATEST_ENVOY_TAG) as number[]) < 0;
}

export function isReleasedEnvoyTag(tag: string, options: { fipsAllowed?: boolean } = {}): boolean {
  if (TAGS.has(tag)) return true;
  if (!options.fipsAllowed || !tag.endsWith('-fips')) return false;
  const base = tag.slice(0, -'-fips'.length);
  const version = versionOf(base);
  return TAGS.has(base) && version !== undefined && compareVersions(version, [1, 29, 5, 0]) >= 0;
}

/**
 * The released tag closest to what was written: same version parts weigh most from the left,
 * so `v1.19.0-prod` suggests `v1.19.0.0-prod` and `v1.28.0.0-prod` a 1.27/1.29 release.
 */
export function nearestEnvoyTag(tag: string): string {
  const wanted = versionOf(tag);
  if (!wanted) return LATEST_ENVOY_TAG;
  let best: { tag: string; score: number[] } | undefined;
  for (const { tag: candidate, withdrawn } of KNOWN_ENVOY_TAGS) {
    if (withdrawn) continue;
    const version = versionOf(candidate) as number[];
    const score = version.map((v, i) => Math.abs(v - (wanted[i] ?? 0)));
    if (!best || compareVersions(score, best.score) < 0 || (compareVersions(score, best.score) === 0 && compareVersions(version, versionOf(best.tag) as number[]) > 0)) {
      best = { tag: candidate, score };
    }
  }
  return (best as { tag: string }).tag;
}

export interface ParsedImage {
  /** Everything before the tag: registry and repository path. */
  repository: string;
  tag?: string;
  digest?: string;
}

export function parseImage(image: string): ParsedImage {
  const [withoutDigest, digest] = image.trim().split('@') as [string, string | undefined];
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  const hasTag = colon > lastSlash;
  return {
    repository: hasTag ? withoutDigest.slice(0, colon) : withoutDigest,
    ...(hasTag ? { tag: withoutDigest.slice(colon + 1) } : {}),
    ...(digest ? { digest } : {}),
  };
}

export type RegistryVerdict = { ok: true; fipsAllowed: boolean } | { ok: false; reason: string; suggestion: string };

/** Whether `repository` is a real App Mesh Envoy repository (registry account matching its region). */
export function checkEnvoyRepository(repository: string): RegistryVerdict {
  if (repository === PUBLIC_ENVOY_REPOSITORY) return { ok: true, fipsAllowed: false };
  const ecr = /^(\d{12})\.dkr\.ecr\.([^.]+)\.amazonaws\.com(\.cn)?\/(.+)$/.exec(repository);
  if (!ecr) {
    return { ok: false, reason: `${repository} is not an App Mesh Envoy repository`, suggestion: PUBLIC_ENVOY_REPOSITORY };
  }
  const [, account, region, cn, path] = ecr as unknown as [string, string, string, string | undefined, string];
  if (path !== ENVOY_REPOSITORY_NAME) {
    return { ok: false, reason: `repository ${path} does not exist in App Mesh's registry`, suggestion: `${account}.dkr.ecr.${region}.amazonaws.com${cn ?? ''}/${ENVOY_REPOSITORY_NAME}` };
  }
  if (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(region)) {
    return { ok: false, reason: `"${region}" is not an AWS region`, suggestion: `${DEFAULT_ENVOY_ACCOUNT}.dkr.ecr.<your region>.amazonaws.com/${ENVOY_REPOSITORY_NAME}` };
  }
  const expected = REGIONAL_ENVOY_ACCOUNTS[region] ?? DEFAULT_ENVOY_ACCOUNT;
  const expectedHost = `${expected}.dkr.ecr.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}/${ENVOY_REPOSITORY_NAME}`;
  if (account === LEGACY_ACCOUNT.account && region === LEGACY_ACCOUNT.region) return { ok: true, fipsAllowed: false };
  if (account !== expected || Boolean(cn) !== region.startsWith('cn-')) {
    return { ok: false, reason: `App Mesh publishes Envoy for ${region} from account ${expected}, not ${account}`, suggestion: expectedHost };
  }
  return { ok: true, fipsAllowed: true };
}
