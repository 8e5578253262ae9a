/**
 * Reading a guide the way the language tests compare them: its headings, its generated blocks and
 * its prose, each found outside fenced code (a `#` comment in a shell block is no heading).
 */

export interface GeneratedBlock {
  /** The opening marker line, `<!-- generated:type key=value -->`. */
  marker: string;
  type: string;
  body: string;
}

const BLOCK = /^<!-- generated:([a-z-]+)[^\n]*-->\n([\s\S]*?)^<!-- \/generated -->$/gm;

export function generatedBlocks(markdown: string): GeneratedBlock[] {
  return [...markdown.matchAll(BLOCK)].map((m) => ({ marker: m[0].split('\n')[0]!, type: m[1]!, body: m[2]! }));
}

/** The fenced code blocks of a text, in order, fences included. */
export function codeFences(text: string): string[] {
  return [...text.matchAll(/^```[^\n]*\n[\s\S]*?^```$/gm)].map((m) => m[0]);
}

/** Lines outside fenced code, each with its line number. */
function linesOutsideCode(markdown: string): { line: string; number: number }[] {
  const out: { line: string; number: number }[] = [];
  let inCode = false;
  markdown.split('\n').forEach((line, i) => {
    if (line.startsWith('```')) inCode = !inCode;
    else if (!inCode) out.push({ line, number: i + 1 });
  });
  return out;
}

/** The heading levels in order (`##`, `###`, …), generated blocks' headings included. */
export function headingLevels(markdown: string): number[] {
  return linesOutsideCode(markdown)
    .map(({ line }) => /^(#{1,6}) /.exec(line)?.[1]?.length)
    .filter((level): level is number => level !== undefined);
}

export interface ProseOptions {
  /** Generated blocks, by type, whose prose is read as well; every other generated block is left out. */
  blocks?: ReadonlySet<string>;
  /**
   * Lines quoted unchanged from what another tool prints (a live target's migration report and its
   * checks' notes, which `pnpm mesh migrate` prints in English): a line is left out only when it is
   * exactly one of these, so a quoted string with anything of the guide's own before or after it
   * is still prose.
   */
  quoted?: ReadonlySet<string>;
}

/**
 * The prose: every line outside fenced code and (unless `blocks` names their type) generated
 * blocks, minus tables and `quoted` lines, with inline code, link targets and HTML comments
 * removed (those are commands, paths and addresses, the same in every language).
 */
export function proseLines(markdown: string, options: ProseOptions = {}): { line: string; number: number }[] {
  const withoutBlocks = markdown.replace(BLOCK, (whole, type: string, body: string) => {
    const blank = (text: string) => text.replace(/[^\n]/g, '');
    if (!options.blocks?.has(type)) return blank(whole);
    const marker = whole.slice(0, whole.indexOf('\n') + 1);
    return `${blank(marker)}${body}${blank('<!-- /generated -->')}`;
  });
  return linesOutsideCode(withoutBlocks)
    .filter(({ line }) => !line.trimStart().startsWith('|'))
    .filter(({ line }) => !options.quoted?.has(line))
    .map(({ line, number }) => ({
      number,
      line: line
        .replace(/`[^`]*`/g, ' ')
        .replace(/\]\([^)]*\)/g, ']')
        .replace(/<!--.*?-->/g, ' '),
    }))
    .filter(({ line }) => line.trim() !== '');
}

/**
 * Six ASCII words in a row is an English sentence or clause left untranslated; product names in
 * Japanese prose stay shorter ("AWS Gateway API Controller", "Amazon ECS Service Connect").
 */
export const ENGLISH_RUN = /(?:[A-Za-z0-9][A-Za-z0-9'’.-]*[,:;]?\s+){5}[A-Za-z0-9][A-Za-z0-9'’.-]*/;
