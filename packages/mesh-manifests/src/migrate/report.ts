/**
 * The migration report of one walkthrough to one target: every App Mesh feature use of its
 * definition, with what the target's renderer made of it. Printed as a table in the terminal
 * (`pnpm mesh migrate`), as JSON for scripts, and as Markdown in the guides and in each target
 * folder's README.
 */
import type { Walkthrough } from '../model/walkthrough.js';
import { TARGET_TITLES, type LiveTarget } from '../render/layout.js';
import { describeObject, FEATURES, featuresOf, type CollectedUse } from './features.js';
import { describeTarget, type OutcomeStatus, type Translation } from './translation.js';

export interface MigrationReport {
  walkthrough: string;
  target: LiveTarget;
  title: string;
  translations: Translation[];
  counts: Record<OutcomeStatus, number>;
}

export const STATUS_WORDS: Record<OutcomeStatus, string> = {
  carried: 'carried',
  partly: 'in part',
  'not-needed': 'not needed',
  dropped: 'not carried',
};

const STATUS_MARKS: Record<OutcomeStatus, string> = { carried: '✓', partly: '◐', 'not-needed': '–', dropped: '✗' };

export type Translate = (walkthrough: Walkthrough) => Translation[];

export function buildReport(walkthrough: Walkthrough, target: LiveTarget, translate: Translate): MigrationReport {
  const translations = translate(walkthrough);
  const counts: Record<OutcomeStatus, number> = { carried: 0, partly: 0, 'not-needed': 0, dropped: 0 };
  for (const t of translations) counts[t.outcome.status]++;
  return { walkthrough: walkthrough.name, target, title: TARGET_TITLES[target], translations, counts };
}

/** The uses a report must cover: every one the definition has. */
export function expectedUses(walkthrough: Walkthrough): CollectedUse[] {
  return featuresOf(walkthrough);
}

function where(use: CollectedUse, clusters: number): string {
  return `${clusters > 1 ? `[${use.cluster}] ` : ''}${describeObject(use.object)}${use.field ? ` ${use.field}` : ''}`;
}

function detail(use: CollectedUse, steps: number): string {
  if (use.details.length === 1) {
    const only = use.details[0]!;
    return only.steps.length === steps ? only.detail : `${only.detail} (from step ${only.steps[0]})`;
  }
  return use.details.map((d) => `${d.detail} (${d.steps.join(', ')})`).join('; ');
}

export function summaryLine(report: MigrationReport): string {
  const { counts } = report;
  const total = report.translations.length;
  return `${report.walkthrough} → ${report.title}: ${total} App Mesh feature uses: ${counts.carried} carried, ${counts.partly} in part, ${counts['not-needed']} not needed, ${counts.dropped} not carried`;
}

/** The terminal table: one entry per use, what it was and what it became. */
export function formatReportText(report: MigrationReport, walkthrough: Walkthrough): string {
  const lines = [summaryLine(report), ''];
  const clusters = walkthrough.clusters.length;
  for (const { use, outcome } of report.translations) {
    lines.push(`${STATUS_MARKS[outcome.status]} ${STATUS_WORDS[outcome.status].padEnd(11)} ${FEATURES[use.feature]} — ${where(use, clusters)}: ${detail(use, walkthrough.steps.length)}`);
    const indent = ' '.repeat(14);
    if (outcome.status === 'carried' || outcome.status === 'partly') {
      for (const ref of outcome.to) lines.push(`${indent}→ ${clusters > 1 ? `[${ref.cluster}] ` : ''}${describeTarget(ref)}`);
      if (outcome.note) lines.push(`${indent}${outcome.note}`);
    } else if (outcome.status === 'not-needed') {
      lines.push(`${indent}${outcome.note}`);
    } else {
      lines.push(`${indent}why: ${outcome.reason}`, `${indent}instead: ${outcome.workaround}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function formatReportJson(report: MigrationReport): string {
  return `${JSON.stringify(
    {
      walkthrough: report.walkthrough,
      target: report.target,
      title: report.title,
      counts: report.counts,
      features: report.translations.map(({ use, outcome }) => ({
        feature: use.feature,
        title: FEATURES[use.feature],
        cluster: use.cluster,
        object: use.object,
        field: use.field,
        steps: use.steps,
        details: use.details,
        ...outcome,
      })),
    },
    null,
    2,
  )}\n`;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The report as a Markdown table, for the guides and the target folders' READMEs. */
export function formatReportMarkdown(report: MigrationReport, walkthrough: Walkthrough): string {
  const clusters = walkthrough.clusters.length;
  const rows = report.translations.map(({ use, outcome }) => {
    const app = `${FEATURES[use.feature]}: \`${where(use, clusters)}\` — ${detail(use, walkthrough.steps.length)}`;
    let target: string;
    if (outcome.status === 'carried' || outcome.status === 'partly') {
      const refs = outcome.to.map((r) => `\`${clusters > 1 ? `[${r.cluster}] ` : ''}${describeTarget(r)}\``).join(', ');
      target = [refs, outcome.note].filter(Boolean).join('. ');
    } else if (outcome.status === 'not-needed') target = outcome.note;
    else target = `**Why:** ${outcome.reason}. **Instead:** ${outcome.workaround}.`;
    return `| ${STATUS_WORDS[outcome.status]} | ${cell(app)} | ${cell(target)} |`;
  });
  return [`${summaryLine(report)}.`, '', `| | App Mesh | ${report.title} |`, '|---|---|---|', ...rows, ''].join('\n');
}
