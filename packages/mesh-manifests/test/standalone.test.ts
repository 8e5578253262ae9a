/**
 * The repository stands alone: a reader has what is in it and the public web, nothing else. So no
 * file may send them to notes they cannot open — the project's private design brief and
 * specification, its source documents by their private numbers, folders beside the checkout —
 * and every guide cites the public original its walkthrough follows, with an address to open.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { repositoryRoot } from '../src/cli/context.js';
import type { Citation } from '../src/model/walkthrough.js';
import { walkthroughs } from '../src/walkthroughs/index.js';

const root = repositoryRoot();
const self = relative(root, fileURLToPath(import.meta.url)).split(sep).join('/');

/** Tracked files and new ones not yet committed; never what git ignores (node_modules, builds). */
function repositoryFiles(): string[] {
  try {
    const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
    return out.split('\0').filter(Boolean);
  } catch {
    // An exported source tree has no .git: walk it, skipping what git would have ignored.
    const skip = new Set(['.git', 'node_modules', 'dist', '.turbo', 'coverage']);
    const walk = (dir: string): string[] =>
      readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => {
        const path = dir ? `${dir}/${e.name}` : e.name;
        if (e.isDirectory()) return skip.has(e.name) ? [] : walk(path);
        return e.isFile() ? [path] : [];
      });
    return walk('');
  }
}

/**
 * The CRD validation may fall back to a schemas folder beside the checkout when `AMW_SCHEMAS_DIR`
 * is unset: a development-machine default, not a reference for readers. Only these files may name it.
 */
const SCHEMA_FOLDER_DEFAULT = (path: string) =>
  path.startsWith('packages/mesh-manifests/src/validate/') ||
  path === 'packages/mesh-manifests/test/validation.test.ts' ||
  path === 'packages/mesh-manifests/test/targets/validation.test.ts';

/** Each pattern, what the reader would be missing, and the files where it is no reference to a reader. */
const PRIVATE_REFERENCES: readonly { pattern: RegExp; missing: string; allowedIn?: (path: string) => boolean }[] = [
  { pattern: /\bDESIGN\.md\b/, missing: 'the private design brief: say in place what it decided and why' },
  { pattern: /\bSPEC\.md\b|\bSPEC §/, missing: 'the private specification: state the fact (port, weight, behaviour) and why it holds' },
  { pattern: /\bseed 0\d\d\b|\bthe seed\b|\bseed's\b/i, missing: 'a source document by its private number: cite its public original instead' },
  {
    pattern: /\.\.\/shared\b|\/work\/shared\b|\bshared\/(?:reference|seeds)\b/,
    missing: 'a folder beside the checkout that a clone does not have',
    allowedIn: SCHEMA_FOLDER_DEFAULT,
  },
];

/** Lint fixtures reproduce the originals' manifests as learners wrote them; they are data, not prose. */
const FIXTURE_DATA = (path: string) => /(^|\/)test\/(.+\/)?fixtures\//.test(path);

describe('the repository stands alone', () => {
  it('no file refers a reader to private notes, private source numbers or folders outside the repository', () => {
    const findings: string[] = [];
    for (const path of repositoryFiles()) {
      if (path === self || FIXTURE_DATA(path)) continue;
      let text: string;
      try {
        text = readFileSync(join(root, path), 'utf8');
      } catch {
        continue; // listed by git but deleted in the working tree
      }
      if (text.includes('\0')) continue; // binary
      text.split('\n').forEach((line, i) => {
        for (const { pattern, missing, allowedIn } of PRIVATE_REFERENCES) {
          if (allowedIn?.(path)) continue;
          if (pattern.test(line)) findings.push(`${path}:${i + 1}: ${missing}: ${line.trim().slice(0, 120)}`);
        }
      });
    }
    expect(findings).toEqual([]);
  });
});

const DATE = /^\d{4}-\d{2}(-\d{2})?( to \d{4}-\d{2}-\d{2})?$/;

function checkCitation(c: Citation, what: string): void {
  expect(c.title.trim(), `${what}: title`).not.toBe('');
  expect(c.site.trim(), `${what}: site`).not.toBe('');
  if (c.date !== undefined) expect(c.date, `${what}: date`).toMatch(DATE);
  if (c.url !== undefined) expect(new URL(c.url).protocol, `${what}: ${c.url}`).toBe('https:');
}

describe('every guide cites the original its walkthrough follows', () => {
  it.each(walkthroughs.map((w) => [w.name, w] as const))('%s', (name, w) => {
    checkCitation(w.source, `${name} source`);
    for (const [i, c] of (w.source.related ?? []).entries()) checkCitation(c, `${name} related[${i}]`);
    // The original's own address where one is known; where none could be confirmed, at least the
    // public material it built on, so the reader has somewhere to start.
    const urls = [w.source.url, ...(w.source.related ?? []).map((c) => c.url)].filter((u): u is string => !!u);
    expect(urls.length, `${name}: no address to open`).toBeGreaterThan(0);

    const guide = readFileSync(join(root, 'docs/walkthroughs', `${name}.md`), 'utf8');
    const at = guide.indexOf('<!-- generated:source -->');
    expect(at, `${name}.md has no <!-- generated:source --> block`).toBeGreaterThanOrEqual(0);
    // At the top, before the first section, where a reader meets it.
    expect(at, `${name}.md cites its original after the first section`).toBeLessThan(guide.indexOf('\n## '));
    const block = guide.slice(at, guide.indexOf('<!-- /generated -->', at));
    expect(block).toContain('**The original:**');
    for (const url of urls) expect(block, `${name}.md does not link ${url}`).toContain(`](${url})`);
  });
});
