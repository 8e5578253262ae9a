import { describe, expect, it } from 'vitest';
import { kongSummary, mergeAccessLogs } from '../src/access-log.js';

describe('mergeAccessLogs', () => {
  const line = (proxy: string, at: number) => ({ proxy, line: `${proxy}@${at}`, at, status: 200 });
  it('keeps the newest lines over all proxies, oldest first, stable for equal times', () => {
    const merged = mergeAccessLogs([[line('a', 1), line('a', 5), line('a', 5)], [line('b', 3), line('b', 5)]], 4);
    expect(merged.map((l) => l.line)).toEqual(['b@3', 'a@5', 'a@5', 'b@5']);
    expect(mergeAccessLogs([[line('a', 1)]], 0)).toEqual([]);
    expect(mergeAccessLogs([], 10)).toEqual([]);
  });

  it('refuses a limit that is not a whole number ≥ 0', () => {
    expect(() => mergeAccessLogs([], -1)).toThrow('limit must be a whole number');
    expect(() => mergeAccessLogs([], 1.5)).toThrow('limit must be a whole number');
  });
});

describe('kongSummary', () => {
  it('names the 401s and 429s of Kong’s answers', () => {
    expect(kongSummary({ proxy: 'kong/kong', byStatus: { '200': 3, '401': 2, '429': 1 }, total: 6 })).toBe('401 × 2 (no or wrong API key) · 429 × 1 (rate limited) of 6 answers');
    expect(kongSummary({ proxy: 'kong/kong', byStatus: {}, total: 0 })).toBe('401 × 0 (no or wrong API key) · 429 × 0 (rate limited) of 0 answers');
  });
});
