/**
 * The Japanese guides are the English ones in another language, from one source: the same sections,
 * the same generated blocks in the same order — identical where a block is data, commands or output,
 * the same commands where it carries translated prose — and no English left in the prose, the live
 * targets' sections included: there only the migration report and the checks' notes, which
 * `pnpm mesh migrate` prints as well, stay English, quoted unchanged.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repositoryRoot } from '../src/cli/context.js';
import { targetChecks } from '../src/migrate/checks.js';
import { formatReportMarkdown } from '../src/migrate/report.js';
import { migrationReport } from '../src/migrate/targets.js';
import type { Walkthrough } from '../src/model/walkthrough.js';
import { renderDocBlocks, TRANSLATED_BLOCKS } from '../src/render/docs/blocks.js';
import { guidePath } from '../src/render/docs/guides.js';
import { predictedExpectation } from '../src/render/docs/target-prose.js';
import { liveTargetsOf } from '../src/render/layout.js';
import { walkthroughs } from '../src/walkthroughs/index.js';
import { musicOnEcs } from './ecs/fixture.js';
import { codeFences, ENGLISH_RUN, generatedBlocks, headingLevels, proseLines } from './guide-structure.js';

const root = repositoryRoot();
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const names = walkthroughs.map((w) => w.name);

/** The generated blocks whose own sentences the prose check reads (the live targets' sections). */
const TARGET_SECTIONS: ReadonlySet<string> = new Set(['target']);

/** What a live target's section quotes unchanged from the migration code: its report's lines and its checks' notes. */
function sharedStrings(walkthrough: Walkthrough): { report: Set<string>; notes: Set<string> } {
  const report = new Set<string>();
  const notes = new Set<string>();
  for (const target of liveTargetsOf(walkthrough)) {
    const migration = migrationReport(walkthrough, target);
    for (const line of formatReportMarkdown(migration, walkthrough).split('\n')) if (line.trim()) report.add(line);
    for (const check of targetChecks(walkthrough, target, migration)) if (check.note) notes.add(check.note);
  }
  return { report, notes };
}

/**
 * The lines the prose check leaves out of a live target's section as quoted: a line of the report as
 * `pnpm mesh migrate` prints it (its summary; the table's rows are left out as tables) and a check's
 * note as a blockquote line of its own, `> <note>`.
 */
function quotedLines(walkthrough: Walkthrough): Set<string> {
  const { report, notes } = sharedStrings(walkthrough);
  return new Set([...report, ...[...notes].map((note) => `> ${note}`)]);
}

describe('every walkthrough has a Japanese guide beside the English one', () => {
  it.each(names)('%s: both exist and link to each other at the top', (name) => {
    expect(existsSync(join(root, guidePath({ name }, 'ja')))).toBe(true);
    const en = read(guidePath({ name }, 'en')).split('\n').slice(0, 5).join('\n');
    const ja = read(guidePath({ name }, 'ja')).split('\n').slice(0, 5).join('\n');
    expect(en).toContain(`[日本語](ja/${name}.md)`);
    expect(ja).toContain(`[English](../${name}.md)`);
  });
});

describe.each(names)('%s in Japanese', (name) => {
  const en = read(guidePath({ name }, 'en'));
  const ja = read(guidePath({ name }, 'ja'));
  const walkthrough = walkthroughs.find((w) => w.name === name)!;
  const quoted = quotedLines(walkthrough);

  it('has the same sections: the same headings at the same levels, in the same order', () => {
    expect(headingLevels(ja)).toEqual(headingLevels(en));
  });

  it('has the same generated blocks in the same order, identical but for translated prose', () => {
    const enBlocks = generatedBlocks(en);
    const jaBlocks = generatedBlocks(ja);
    expect(jaBlocks.map((b) => b.marker)).toEqual(enBlocks.map((b) => b.marker));
    enBlocks.forEach((block, i) => {
      const other = jaBlocks[i]!;
      if (TRANSLATED_BLOCKS.has(block.type)) {
        expect(codeFences(other.body), `${block.marker}: the commands`).toEqual(codeFences(block.body));
        if (block.type !== 'source') expect(other.body, `${block.marker}: its prose is translated`).not.toEqual(block.body);
      } else {
        expect(other.body, block.marker).toEqual(block.body);
      }
    });
  });

  it('has the same hand-written code blocks (transcripts, commands) as the English guide', () => {
    const outside = (text: string) => codeFences(text.replace(/^<!-- generated:[\s\S]*?^<!-- \/generated -->$/gm, ''));
    expect(outside(ja)).toEqual(outside(en));
  });

  it('leaves no English sentence in its prose, the live targets\' sections included', () => {
    const left = proseLines(ja, { blocks: TARGET_SECTIONS, quoted })
      .filter(({ line }) => ENGLISH_RUN.test(line))
      .map(({ line, number }) => `${number}: ${line.trim()}`);
    expect(left).toEqual([]);
  });

  it('renders the live targets\' sections in Japanese, quoting the migration report and notes unchanged', () => {
    const enTargets = generatedBlocks(en).filter((b) => TARGET_SECTIONS.has(b.type));
    const jaTargets = generatedBlocks(ja).filter((b) => TARGET_SECTIONS.has(b.type));
    expect(jaTargets.map((b) => b.marker)).toEqual(enTargets.map((b) => b.marker));
    // What both guides share, in the same order: the report's summary and table, and each note (ending its line).
    const { report, notes } = sharedStrings(walkthrough);
    const shared = (body: string) =>
      body.split('\n').flatMap((line) => (report.has(line) || line.startsWith('|') ? [line] : [...notes].filter((note) => line.endsWith(note)).slice(0, 1)));
    enTargets.forEach((block, i) => {
      const other = jaTargets[i]!;
      expect(shared(other.body), `${block.marker}: the report and the notes`).toEqual(shared(block.body));
      expect(shared(block.body).length, `${block.marker}: it has a report`).toBeGreaterThan(2);
      // Its own prose (the lines the English-run check reads) is there, and is not the English guide's.
      const own = (body: string) => proseLines(`${block.marker}\n${body}<!-- /generated -->`, { blocks: TARGET_SECTIONS, quoted }).map(({ line }) => line);
      const english = new Set(own(block.body).filter((line) => ENGLISH_RUN.test(line)));
      expect(english.size, `${block.marker}: the English guide's sentences`).toBeGreaterThanOrEqual(3);
      expect(own(other.body).filter((line) => english.has(line)), `${block.marker}: English sentences left`).toEqual([]);
    });
  });

  it('cites the original it follows, with every address the English guide links', () => {
    const source = generatedBlocks(ja).find((b) => b.type === 'source')!;
    expect(source.body).toContain('**原典:**');
    for (const url of [...generatedBlocks(en).find((b) => b.type === 'source')!.body.matchAll(/\]\((https:[^)]+)\)/g)].map((m) => m[1]!)) {
      expect(source.body).toContain(`](${url})`);
    }
  });
});

describe('the English-run check', () => {
  it('flags an English sentence and lets product names and commands through', () => {
    expect(ENGLISH_RUN.test('The gateway listens on 8088, and its route sends everything')).toBe(true);
    expect(ENGLISH_RUN.test('Amazon VPC Lattice 上の Kubernetes Gateway API（AWS Gateway API Controller）で動かします。')).toBe(false);
    expect(proseLines('`kubectl apply -k k8s/mesh-basics/appmesh/steps/1-canary the long command` で適用します。').some(({ line }) => ENGLISH_RUN.test(line))).toBe(false);
  });

  it('reads the prose of the blocks it is given, and leaves out a quoted line only when it is exactly the quoted string', () => {
    const note = '> Istio’s proxy answers on its own admin interface (pilot-agent request).';
    const guide = [
      '<!-- generated:target target=istio -->',
      '**Check it, step by step.** There is no gateway here at all.',
      note,
      `${note} And this sentence is the guide's own.`,
      '| carried | a table row, the same in both languages and left out |',
      '<!-- /generated -->',
      '',
    ].join('\n');
    const flagged = (options: Parameters<typeof proseLines>[1]) => proseLines(guide, options).filter(({ line }) => ENGLISH_RUN.test(line)).map(({ number }) => number);
    expect(flagged({})).toEqual([]);
    expect(flagged({ blocks: TARGET_SECTIONS })).toEqual([2, 3, 4]);
    expect(flagged({ blocks: TARGET_SECTIONS, quoted: new Set([note]) })).toEqual([2, 4]);
  });
});

describe('a walkthrough without its Japanese', () => {
  it('cannot render a Japanese guide, and the error names what to add', () => {
    expect(() => renderDocBlocks('<!-- generated:steps -->\n<!-- /generated -->', musicOnEcs, 'x.md', 'ja')).toThrow(/step \S+ has no Japanese form: add `ja`/);
  });

  it('names a predicted answer of the migration code that has no Japanese form, rather than printing it in English', () => {
    const known = predictedExpectation({ kind: 'distribution', samples: 10, outcomes: [{ label: 'white', body: { equals: 'white' }, weight: 1 }, { label: 'the answer of node web', weight: 1 }] }, 'ja');
    expect(known.kind === 'distribution' && known.outcomes.map((o) => o.ja?.label)).toEqual(['white', 'ノード web の応答']);
    expect(() => predictedExpectation({ kind: 'always', response: { status: 503, label: 'HTTP 503 (no healthy upstream)' } }, 'ja')).toThrow(/"HTTP 503 \(no healthy upstream\)" has no Japanese form/);
  });
});
