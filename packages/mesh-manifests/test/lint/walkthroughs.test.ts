/**
 * The project's own walkthroughs must lint clean: as defined now (rendered in memory) and as
 * committed under k8s/ (every folder there). And the Envoy image the renderer writes must be one
 * App Mesh released.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkEnvoyRepository, formatText, isReleasedEnvoyTag, lintPath, lintTexts, parseImage } from '../../src/lint/index.js';
import { REPOSITORY_ROOT, resolveTarget } from '../../src/lint/target.js';
import { WALKTHROUGH_NAMES } from '../../src/model/walkthrough.js';
import { getWalkthrough } from '../../src/walkthroughs/index.js';

const K8S = join(REPOSITORY_ROOT, 'k8s');
const committed = existsSync(K8S) ? readdirSync(K8S, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name) : [];

describe('committed k8s/ folders', () => {
  it('are there: one per EKS walkthrough', () => {
    expect(committed.sort()).toEqual(WALKTHROUGH_NAMES.filter((name) => getWalkthrough(name).platform === 'eks').sort());
  });

  it('lints clean as one folder, each walkthrough and target on its own', async () => {
    const result = await lintPath(K8S, {}, REPOSITORY_ROOT);
    expect(formatText(result)).toBe(`✓ no problems in ${result.objects} objects\n`);
    expect(result.units).toEqual(expect.arrayContaining(['mesh-basics/appmesh/.', 'mesh-basics/istio/.', 'yelb-multi-account/lattice/frontend']));
  });

  it.each(committed)('k8s/%s lints clean', async (name) => {
    const result = await lintPath(join(K8S, name), {}, REPOSITORY_ROOT);
    expect(formatText(result)).toBe(`✓ no problems in ${result.objects} objects\n`);
  });
});

describe('walkthrough definitions, rendered for EKS in memory', () => {
  const eks = WALKTHROUGH_NAMES.filter((name) => getWalkthrough(name).platform === 'eks');

  it.each(eks)('%s lints clean', (name) => {
    const target = resolveTarget(name, REPOSITORY_ROOT);
    if (target.kind !== 'walkthrough') throw new Error(`expected a walkthrough, got ${JSON.stringify(target)}`);
    const result = lintTexts(target.files, target.root);
    expect(formatText(result)).toBe(`✓ no problems in ${result.objects} objects\n`);
    expect(result.objects).toBeGreaterThan(0);
  });
});

const ENVOY_IMAGE_MODULE = join(REPOSITORY_ROOT, 'packages', 'mesh-manifests', 'src', 'model', 'envoy-image.ts');

describe.skipIf(!existsSync(ENVOY_IMAGE_MODULE))('the Envoy image the renderer uses', () => {
  it('is an image App Mesh released', async () => {
    const module = (await import('../../src/model/envoy-image.js')) as Record<string, unknown>;
    const image = module.ENVOY_IMAGE ?? module.APPMESH_ENVOY_IMAGE;
    expect(typeof image).toBe('string');
    const parsed = parseImage(image as string);
    const registry = checkEnvoyRepository(parsed.repository);
    expect(registry.ok).toBe(true);
    expect(parsed.tag).toBeDefined();
    expect(isReleasedEnvoyTag(parsed.tag as string, { fipsAllowed: registry.ok && registry.fipsAllowed })).toBe(true);
  });
});
