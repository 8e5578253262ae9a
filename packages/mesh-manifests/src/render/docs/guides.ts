/**
 * Where each walkthrough's guides live, one per language, and their rendering: the hand-written
 * prose is read from the repository, the generated blocks are rewritten from the definition.
 * English guides are docs/walkthroughs/<name>.md; every other language has a folder beside them
 * (docs/walkthroughs/ja/<name>.md), so the English paths the other tools print never change.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LANGUAGES, type Language } from '../../model/text.js';
import type { Walkthrough } from '../../model/walkthrough.js';
import type { RenderedFile } from '../files.js';
import { renderDocBlocks } from './blocks.js';

export function guidePath(walkthrough: { name: string }, lang: Language = 'en'): string {
  return lang === 'en' ? `docs/walkthroughs/${walkthrough.name}.md` : `docs/walkthroughs/${lang}/${walkthrough.name}.md`;
}

export class MissingGuideError extends Error {
  constructor(readonly path: string) {
    super(`${path} is missing: every walkthrough has a guide in every language (write it with generated blocks, then run \`pnpm mesh render\`)`);
    this.name = 'MissingGuideError';
  }
}

/** Every language's guide of a walkthrough, with its generated blocks rendered in that language. */
export function renderGuides(root: string, walkthrough: Walkthrough): RenderedFile[] {
  return LANGUAGES.map((lang) => {
    const path = guidePath(walkthrough, lang);
    const full = join(root, path);
    if (!existsSync(full)) throw new MissingGuideError(path);
    return { path, content: renderDocBlocks(readFileSync(full, 'utf8'), walkthrough, path, lang) };
  });
}
