/**
 * Rule `unknown-envoy-image`: an Envoy container whose image App Mesh never published — a typo
 * in the repository (the blog series behind mesh-basics wrote `aws-apmesh-envoy`), a registry
 * account that does not serve that region, or a tag that was never released. The pod would sit
 * in ImagePullBackOff. Containers named `envoy`, or whose image looks like `aws-appmesh-envoy`, are
 * checked; so is the Envoy of a gateway pod.
 *
 * A placeholder such as `image: controller-override` is accepted only where the controller
 * really replaces the image: the container named `envoy` in a pod a VirtualGateway's
 * podSelector matches, in a namespace the injector webhook sees, without the
 * `virtualGatewaySkipImageOverride: enabled` annotation. Any other image in such a container is
 * replaced too, so it is not judged; an App Mesh image there still must be a real one.
 *
 * Rule `outdated-envoy-image` (a warning): a released tag older than the last release, which is
 * the one the last App Mesh controller injects; older images miss that release's security fixes.
 */
import { GATEWAY_SKIP_IMAGE_OVERRIDE, SIDECAR_INJECTOR_KEY } from '../kinds.js';
import type { ContainerInfo, PodTemplate } from '../inventory.js';
import { editDistance } from '../similar.js';
import {
  checkEnvoyRepository,
  ENVOY_REPOSITORY_NAME,
  isOlderThanLatest,
  isReleasedEnvoyTag,
  LATEST_ENVOY_TAG,
  nearestEnvoyTag,
  parseImage,
  PUBLIC_ENVOY_REPOSITORY,
} from '../envoy-images.js';
import type { Rule, RuleContext } from './context.js';

const RECOMMENDED = `${PUBLIC_ENVOY_REPOSITORY}:${LATEST_ENVOY_TAG}`;

function lastSegment(repository: string): string {
  return repository.split('/').pop() ?? repository;
}

function looksLikeAppMeshEnvoy(repository: string): boolean {
  const name = lastSegment(repository);
  return name === ENVOY_REPOSITORY_NAME || (name.includes('envoy') && editDistance(name, ENVOY_REPOSITORY_NAME) <= 3);
}

function isPlaceholder(image: string | undefined): boolean {
  return image === undefined || !/[/:.]/.test(image);
}

/** Whether the controller will put its own Envoy image into this container (see module doc). */
function overriddenByController(pod: PodTemplate, container: ContainerInfo, context: RuleContext): { yes: boolean; why?: string } {
  if (container.name !== 'envoy') return { yes: false, why: `only a container named envoy is replaced, this one is named ${container.name}` };
  const gateways = context.inventory.gatewaysOfPod(pod);
  if (gateways.length === 0) return { yes: false, why: 'no VirtualGateway podSelector matches this pod, and only gateway pods get their image replaced' };
  if (pod.annotations[GATEWAY_SKIP_IMAGE_OVERRIDE]?.toLowerCase() === 'enabled') {
    return { yes: false, why: `the pod opts out with ${GATEWAY_SKIP_IMAGE_OVERRIDE}: enabled` };
  }
  const ns = context.inventory.namespaceEntry(pod.namespace);
  if (!ns) return { yes: true };
  const nsMode = ns.labels[SIDECAR_INJECTOR_KEY]?.toLowerCase();
  const mode = pod.annotations[SIDECAR_INJECTOR_KEY]?.toLowerCase() ?? nsMode;
  if ((nsMode !== 'enabled' && nsMode !== 'disabled') || mode === 'disabled') {
    return { yes: false, why: `namespace ${pod.namespace} is not labelled ${SIDECAR_INJECTOR_KEY}=enabled, so the webhook never rewrites the pod` };
  }
  return { yes: true };
}

function isEnvoyContainer(pod: PodTemplate, container: ContainerInfo, context: RuleContext): boolean {
  if (container.name === 'envoy') return true;
  const image = container.image ?? '';
  if (image.includes(ENVOY_REPOSITORY_NAME)) return true;
  if (!isPlaceholder(image) && looksLikeAppMeshEnvoy(parseImage(image).repository)) return true;
  return context.inventory.gatewaysOfPod(pod).length > 0 && /envoy/i.test(image);
}

function checkContainer(pod: PodTemplate, container: ContainerInfo, context: RuleContext): void {
  const image = container.image;
  const at = [...container.path, 'image'];
  const report = (severity: 'error' | 'warning', message: string, fix: string) =>
    context.report({ ruleId: 'unknown-envoy-image', severity, entry: pod.owner, path: at, message: `container ${container.name} of ${pod.owner.kind} ${pod.owner.name}: ${message}`, fix });
  const override = overriddenByController(pod, container, context);

  if (isPlaceholder(image)) {
    if (override.yes) return;
    report('error', `image ${image === undefined ? '(none)' : `"${image}"`} is a placeholder, and nothing replaces it here: ${override.why}`, `set image: ${RECOMMENDED}`);
    return;
  }
  const parsed = parseImage(image as string);
  if (!looksLikeAppMeshEnvoy(parsed.repository)) {
    if (override.yes) return;
    report('error', `image ${image} is not App Mesh's Envoy; only App Mesh's build reads APPMESH_RESOURCE_ARN and fetches its configuration from App Mesh`, `set image: ${RECOMMENDED}`);
    return;
  }
  if (lastSegment(parsed.repository) !== ENVOY_REPOSITORY_NAME) {
    const fixed = `${parsed.repository.slice(0, parsed.repository.length - lastSegment(parsed.repository).length)}${ENVOY_REPOSITORY_NAME}`;
    const tag = parsed.tag && isReleasedEnvoyTag(parsed.tag) ? parsed.tag : nearestEnvoyTag(parsed.tag ?? LATEST_ENVOY_TAG);
    report('error', `image ${image} does not exist: the repository is named ${ENVOY_REPOSITORY_NAME}, not ${lastSegment(parsed.repository)}`, `set image: ${fixed}:${tag}`);
    return;
  }
  const registry = checkEnvoyRepository(parsed.repository);
  if (!registry.ok) {
    report('error', `image ${image} does not exist: ${registry.reason}`, `use ${registry.suggestion}:${parsed.tag && isReleasedEnvoyTag(parsed.tag) ? parsed.tag : nearestEnvoyTag(parsed.tag ?? LATEST_ENVOY_TAG)}`);
    return;
  }
  if (parsed.tag === undefined || parsed.tag === 'latest') {
    if (parsed.digest) return;
    report('warning', `image ${image} names no released tag, so every pull may bring a different Envoy`, `pin a released tag, e.g. ${parsed.repository}:${LATEST_ENVOY_TAG}`);
    return;
  }
  if (!isReleasedEnvoyTag(parsed.tag, { fipsAllowed: registry.fipsAllowed })) {
    const nearest = nearestEnvoyTag(parsed.tag);
    report('error', `App Mesh never released Envoy tag ${parsed.tag} (tags look like vX.Y.Z.N-prod)`, `use ${parsed.repository}:${nearest} (the nearest released tag; newest is ${LATEST_ENVOY_TAG})`);
    return;
  }
  if (isOlderThanLatest(parsed.tag)) {
    const latest = parsed.tag.endsWith('-fips') ? `${LATEST_ENVOY_TAG}-fips` : LATEST_ENVOY_TAG;
    context.report({
      ruleId: 'outdated-envoy-image',
      severity: 'warning',
      entry: pod.owner,
      path: at,
      message: `container ${container.name} of ${pod.owner.kind} ${pod.owner.name}: Envoy ${parsed.tag} is older than ${LATEST_ENVOY_TAG}, the last release (the App Mesh controller's default), and misses its security fixes`,
      fix: `use ${parsed.repository}:${latest}`,
    });
  }
}

export const envoyImage: Rule = {
  ids: ['unknown-envoy-image', 'outdated-envoy-image'],
  check(context) {
    for (const pod of context.inventory.pods) {
      for (const container of pod.containers) {
        if (isEnvoyContainer(pod, container, context)) checkContainer(pod, container, context);
      }
    }
  },
};
