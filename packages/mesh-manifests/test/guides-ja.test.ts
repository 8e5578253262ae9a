/**
 * The Japanese guides are the English ones in another language, from one source: the same sections,
 * the same generated blocks in the same order — identical where a block is data, commands or output,
 * the same commands where it carries translated prose — and no English left in the hand-written prose.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repositoryRoot } from '../src/cli/context.js';
import { renderDocBlocks, TRANSLATED_BLOCKS } from '../src/render/docs/blocks.js';
import { guidePath } from '../src/render/docs/guides.js';
import { walkthroughs } from '../src/walkthroughs/index.js';
import { musicOnEcs } from './ecs/fixture.js';
import { codeFences, ENGLISH_RUN, generatedBlocks, headingLevels, proseLines } from './guide-structure.js';

const root = repositoryRoot();
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const names = walkthroughs.map((w) => w.name);

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

  it('leaves no English sentence in its prose', () => {
    const left = proseLines(ja)
      .filter(({ line }) => ENGLISH_RUN.test(line))
      .map(({ line, number }) => `${number}: ${line.trim()}`);
    expect(left).toEqual([]);
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
});

describe('a walkthrough without its Japanese', () => {
  it('cannot render a Japanese guide, and the error names what to add', () => {
    expect(() => renderDocBlocks('<!-- generated:steps -->\n<!-- /generated -->', musicOnEcs, 'x.md', 'ja')).toThrow(/step \S+ has no Japanese form: add `ja`/);
  });
});
