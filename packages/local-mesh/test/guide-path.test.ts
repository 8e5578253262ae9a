import { describe, expect, it } from 'vitest';
import { guidePathFor } from '../src/cli/guide-path.js';

describe('the guide path pnpm walkthrough prints', () => {
  it('is the Japanese guide when LANG starts with ja, the English one otherwise', () => {
    expect(guidePathFor('mesh-basics', { LANG: 'ja_JP.UTF-8' })).toBe('docs/walkthroughs/ja/mesh-basics.md');
    expect(guidePathFor('mesh-basics', { LANG: 'en_US.UTF-8' })).toBe('docs/walkthroughs/mesh-basics.md');
    expect(guidePathFor('mesh-basics', {})).toBe('docs/walkthroughs/mesh-basics.md');
  });
});
