/**
 * Redis' glob dialect for KEYS: `*`, `?`, `[abc]`, `[^a]`, `[a-z]` and `\` to escape. Matching is
 * byte by byte (keys are latin1 strings here), so binary keys match the way Redis matches them.
 */
export function globMatches(pattern: string, text: string): boolean {
  return matchFrom(pattern, 0, text, 0);
}

function matchFrom(pattern: string, p: number, text: string, t: number): boolean {
  while (p < pattern.length) {
    const c = pattern[p]!;
    if (c === '*') {
      while (pattern[p + 1] === '*') p++;
      if (p + 1 === pattern.length) return true;
      for (let start = t; start <= text.length; start++) {
        if (matchFrom(pattern, p + 1, text, start)) return true;
      }
      return false;
    }
    if (t >= text.length) return false;
    if (c === '?') {
      p++;
      t++;
      continue;
    }
    if (c === '[') {
      const set = readSet(pattern, p + 1);
      if (set.matches(text[t]!) === set.negated) return false;
      p = set.end;
      t++;
      continue;
    }
    const literal = c === '\\' && p + 1 < pattern.length ? pattern[++p]! : c;
    if (literal !== text[t]) return false;
    p++;
    t++;
  }
  return t === text.length;
}

/** Reads a `[...]` class starting after the `[`; an unclosed class runs to the pattern's end, as in Redis. */
function readSet(pattern: string, from: number): { negated: boolean; end: number; matches: (ch: string) => boolean } {
  let i = from;
  const negated = pattern[i] === '^';
  if (negated) i++;
  const singles: string[] = [];
  const ranges: [string, string][] = [];
  while (i < pattern.length && pattern[i] !== ']') {
    if (pattern[i] === '\\' && i + 1 < pattern.length) {
      singles.push(pattern[i + 1]!);
      i += 2;
    } else if (pattern[i + 1] === '-' && i + 2 < pattern.length && pattern[i + 2] !== ']') {
      const [a, b] = [pattern[i]!, pattern[i + 2]!];
      ranges.push(a <= b ? [a, b] : [b, a]);
      i += 3;
    } else {
      singles.push(pattern[i]!);
      i++;
    }
  }
  return {
    negated,
    end: i < pattern.length ? i + 1 : i,
    matches: (ch) => singles.includes(ch) || ranges.some(([lo, hi]) => ch >= lo && ch <= hi),
  };
}
