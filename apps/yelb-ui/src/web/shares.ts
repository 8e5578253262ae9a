/**
 * Whole percentages that add up to exactly 100 (largest remainder first): a room full of people
 * reading "101%" off a legend will say so. All zeros stay all zeros.
 */
export function shares(values: readonly number[]): number[] {
  const total = values.reduce((a, b) => a + b, 0);
  if (total === 0) return values.map(() => 0);
  const exact = values.map((v) => (v / total) * 100);
  const result = exact.map(Math.floor);
  const missing = 100 - result.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((e, i) => ({ i, rest: e - Math.floor(e) })).sort((a, b) => b.rest - a.rest);
  for (const { i } of byRemainder.slice(0, missing)) result[i]! += 1;
  return result;
}
