/**
 * The committed k8s/ and ecs/ trees (App Mesh CLI JSON included) and the generated blocks of
 * docs/walkthroughs are exactly what the definitions render: byte for byte, with no stale file left behind.
 */
import { describe, expect, it } from 'vitest';
import { repositoryRoot } from '../src/cli/context.js';
import { LANGUAGES } from '../src/model/text.js';
import { diffTree, renderTree } from '../src/render/tree.js';
import { walkthroughs } from '../src/walkthroughs/index.js';

describe('committed tree', () => {
  it('matches a fresh rendering (run `pnpm mesh render` and commit the result when this fails)', () => {
    const root = repositoryRoot();
    const files = renderTree(root, walkthroughs);
    expect(files.some((f) => f.path.startsWith('k8s/'))).toBe(true);
    expect(files.some((f) => f.path.startsWith('ecs/'))).toBe(true);
    expect(files.some((f) => /^(k8s|ecs)\/[^/]+\/(.+\/)?appmesh-cli\/mesh\.sh$/.test(f.path))).toBe(true);
    expect(files.filter((f) => f.path.startsWith('docs/walkthroughs/'))).toHaveLength(walkthroughs.length * LANGUAGES.length);
    expect(files.some((f) => f.path.startsWith('docs/walkthroughs/ja/'))).toBe(true);
    expect(diffTree(root, files)).toEqual({ created: [], changed: [], removed: [] });
  });
});
