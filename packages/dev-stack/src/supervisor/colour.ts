/** Colours for prefixed output: on for terminals, off for pipes, files and NO_COLOR. */

/** Bright cyan, yellow, green, magenta, blue, then plain ones; red stays free for errors. */
const PALETTE = [96, 93, 92, 95, 94, 36, 33, 32, 35, 34];

export function colourEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false; // https://no-color.org: any non-empty value
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

/**
 * A name's colour: its position in the group when known (so up to ten processes never share
 * one), else a hash of the name; either way the same name gets the same colour every run.
 */
export function colourCode(name: string, names: readonly string[] = []): number {
  const index = names.indexOf(name);
  if (index >= 0) return PALETTE[index % PALETTE.length]!;
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + ch.codePointAt(0)!) >>> 0;
  return PALETTE[hash % PALETTE.length]!;
}

export function paint(text: string, code: number, enabled: boolean): string {
  return enabled ? `\u001b[${code}m${text}\u001b[0m` : text;
}
