/**
 * The live targets, each with what it renders and the account of what it carried: the renderer
 * runs every step of every cluster with a translation log, and the target's policy reads it.
 */
import type { Walkthrough } from '../model/walkthrough.js';
import type { RenderedFile } from '../render/files.js';
import { ISTIO_TARGET, renderIstio } from '../render/istio/index.js';
import { ISTIO_POLICY } from '../render/istio/policy.js';
import type { KubernetesTarget } from '../render/kubernetes/target-tree.js';
import { LATTICE_TARGET, renderLattice } from '../render/lattice/index.js';
import { LATTICE_POLICY } from '../render/lattice/policy.js';
import { renderServiceConnect, serviceConnectTranslations } from '../render/service-connect/index.js';
import { SERVICE_CONNECT_POLICY } from '../render/service-connect/policy.js';
import { liveTargetsOf, type LiveTarget } from '../render/layout.js';
import { featuresOf } from './features.js';
import { buildReport, type MigrationReport } from './report.js';
import { TranslationLog, type TargetPolicy, type Translation } from './translation.js';

export interface LiveTargetRenderer {
  render(walkthrough: Walkthrough): RenderedFile[];
  translate(walkthrough: Walkthrough): Translation[];
}

function kubernetesTranslations(walkthrough: Walkthrough, target: KubernetesTarget, policy: TargetPolicy): Translation[] {
  const log = new TranslationLog(target.target as LiveTarget);
  for (const step of walkthrough.steps) for (const cluster of walkthrough.clusters) target.emit(walkthrough, cluster, step.name, log);
  return log.resolve(featuresOf(walkthrough), policy);
}

export const LIVE_TARGETS: Record<LiveTarget, LiveTargetRenderer> = {
  istio: {
    render: renderIstio,
    translate: (walkthrough) => kubernetesTranslations(walkthrough, ISTIO_TARGET, ISTIO_POLICY),
  },
  lattice: {
    render: renderLattice,
    translate: (walkthrough) => kubernetesTranslations(walkthrough, LATTICE_TARGET, LATTICE_POLICY),
  },
  'service-connect': {
    render: renderServiceConnect,
    translate(walkthrough) {
      const log = new TranslationLog('service-connect');
      serviceConnectTranslations(walkthrough, log);
      return log.resolve(featuresOf(walkthrough), SERVICE_CONNECT_POLICY);
    },
  },
};

export class UnsupportedTargetError extends Error {
  constructor(walkthrough: Walkthrough, target: string) {
    super(`walkthrough ${walkthrough.name} runs on ${walkthrough.platform.toUpperCase()}; its targets are ${liveTargetsOf(walkthrough).join(', ')}, not ${target}`);
    this.name = 'UnsupportedTargetError';
  }
}

/**
 * A report renders every step of every cluster: worked out once per definition object and target,
 * since a `pnpm mesh render` asks for it from several blocks of two guides and the READMEs.
 */
const reports = new WeakMap<Walkthrough, Map<LiveTarget, MigrationReport>>();

export function migrationReport(walkthrough: Walkthrough, target: LiveTarget): MigrationReport {
  const renderer = LIVE_TARGETS[target];
  if (!liveTargetsOf(walkthrough).includes(target)) throw new UnsupportedTargetError(walkthrough, target);
  let byTarget = reports.get(walkthrough);
  if (!byTarget) reports.set(walkthrough, (byTarget = new Map()));
  let report = byTarget.get(target);
  if (!report) byTarget.set(target, (report = buildReport(walkthrough, target, renderer.translate)));
  return report;
}

/** Every file the live targets render for a walkthrough. */
export function renderLiveTargets(walkthrough: Walkthrough): RenderedFile[] {
  return liveTargetsOf(walkthrough).flatMap((target) => LIVE_TARGETS[target].render(walkthrough));
}
