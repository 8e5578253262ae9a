import { describe, expect, it } from 'vitest';
import { shares } from '../../src/web/shares.js';

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe('shares', () => {
  it('adds up to 100 where plain rounding would give 101 or 99', () => {
    expect(shares([6, 3, 5, 2])).toEqual([38, 19, 31, 12]);
    expect(sum(shares([1, 1, 1, 0]))).toBe(100);
    expect(shares([1, 1, 1, 0])).toEqual([34, 33, 33, 0]);
  });

  it('keeps exact shares exact', () => {
    expect(shares([1, 1, 2, 0])).toEqual([25, 25, 50, 0]);
    expect(shares([0, 7, 0, 0])).toEqual([0, 100, 0, 0]);
  });

  it('gives all zeros before the first vote', () => {
    expect(shares([0, 0, 0, 0])).toEqual([0, 0, 0, 0]);
  });

  it('always sums to 100 once there is a vote', () => {
    for (const values of [[3, 3, 3, 3], [1, 2, 3, 4], [97, 1, 1, 1], [13, 17, 19, 23]]) expect(sum(shares(values)), values.join()).toBe(100);
  });
});
