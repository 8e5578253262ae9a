/**
 * What `pnpm mesh lint <target>` means: a folder (or file) of YAML when that path exists, else a
 * walkthrough, rendered in memory for every Kubernetes target exactly as `pnpm mesh render` writes
 * `k8s/<name>/<target>/` (same paths, same lines) — so an edit to a definition is linted before it is
 * rendered — else a one-line usage error that lists the walkthroughs. A path wins over a name,
 * so a learner's own folder called `mesh-basics` is linted as written.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WALKTHROUGH_NAMES } from '../model/walkthrough.js';
import type { RenderedFile } from '../render/files.js';
import { renderEks } from '../render/eks/index.js';
import { renderIstio } from '../render/istio/index.js';
import { renderLattice } from '../render/lattice/index.js';
import { targetsOf } from '../render/layout.js';
import { getWalkthrough, isWalkthroughName } from '../walkthroughs/index.js';

/** The repository root: this file is `packages/mesh-manifests/{src,dist}/lint/target.*`. */
export const REPOSITORY_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

export type ResolvedTarget =
  | { kind: 'path'; path: string; label: string }
  | { kind: 'walkthrough'; name: string; root: string; files: RenderedFile[]; label: string }
  | { kind: 'usage-error'; message: string };

function walkthroughsOn(platform: 'eks' | 'ecs'): string[] {
  return WALKTHROUGH_NAMES.filter((name) => getWalkthrough(name).platform === platform);
}

export function resolveTarget(target: string, cwd: string): ResolvedTarget {
  const asPath = resolve(cwd, target);
  if (existsSync(asPath)) return { kind: 'path', path: asPath, label: target };
  if (!isWalkthroughName(target)) {
    return {
      kind: 'usage-error',
      message: `"${target}" is neither a folder nor a walkthrough; give a folder of YAML or one of: ${WALKTHROUGH_NAMES.join(', ')}`,
    };
  }
  const walkthrough = getWalkthrough(target);
  if (walkthrough.platform !== 'eks') {
    return {
      kind: 'usage-error',
      message: `walkthrough ${target} runs on ${walkthrough.platform.toUpperCase()} (CloudFormation in ecs/${target}); the lint reads Kubernetes manifests — pick one of: ${walkthroughsOn('eks').join(', ')}`,
    };
  }
  let files: RenderedFile[];
  try {
    files = [...renderEks(walkthrough), ...renderIstio(walkthrough), ...renderLattice(walkthrough)];
  } catch (error) {
    return { kind: 'usage-error', message: `walkthrough ${target} does not render: ${(error as Error).message}` };
  }
  const root = `k8s/${walkthrough.name}`;
  return { kind: 'walkthrough', name: target, root, files, label: `walkthrough ${target} (as rendered into ${root}: ${targetsOf(walkthrough).join(', ')})` };
}
