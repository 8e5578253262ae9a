/**
 * The guides: every walkthrough has one, with the sections the project promises, and the blocks
 * rendered from the definition; a broken block is reported with its file and line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repositoryRoot } from '../src/cli/context.js';
import { DocBlockError, renderDocBlocks } from '../src/render/docs/blocks.js';
import { getWalkthrough, walkthroughs } from '../src/walkthroughs/index.js';

const guide = (name: string) => readFileSync(join(repositoryRoot(), 'docs/walkthroughs', `${name}.md`), 'utf8');

describe('guides', () => {
  it.each(walkthroughs.map((w) => w.name))('%s has what it teaches, deploy steps, checks, the corrections and a "Run it locally" with the local steps and a transcript', (name) => {
    const text = guide(name);
    for (const heading of ['## What it teaches', '## What was wrong in the original', '## Run it locally']) expect(text).toContain(heading);
    expect(text).toMatch(/## Deploy on (EKS|ECS)/);
    expect(text).toContain('<!-- generated:checks');
    const local = text.slice(text.indexOf('## Run it locally')).split(/\n## /)[0]!;
    expect(local).toContain(`pnpm walkthrough up ${name}`);
    // The local steps are generated (so the drift test keeps them current), the transcript is captured by hand.
    expect(local).toContain('<!-- generated:local -->');
    expect(local).toContain('### What you will see');
  });

  it('renders a mesh object from the definition at the step the block names', () => {
    const text = '# x\n<!-- generated:object kind=VirtualRouter name=jazz-router namespace=prod step=canary -->\nold\n<!-- /generated -->\n';
    const out = renderDocBlocks(text, getWalkthrough('dj-kong-ingress'), 'x.md');
    expect(out).toMatch(/```yaml\napiVersion: appmesh.k8s.aws\/v1beta2\nkind: VirtualRouter\n[\s\S]*name: jazz-v2\n\s+weight: 5\n[\s\S]*```\n<!-- \/generated -->/);
    expect(out).not.toContain('old');
  });

  it('renders the checks of a step with their commands and expected output', () => {
    const text = '<!-- generated:checks step=rate-limit -->\n<!-- /generated -->';
    const out = renderDocBlocks(text, getWalkthrough('dj-kong-ingress'), 'x.md');
    expect(out).toContain("export KONG_ENDPOINT=$(kubectl -n kong get service kong-proxy -o jsonpath='{.status.loadBalancer.ingress[0].hostname}')");
    expect(out).toContain('for i in $(seq 1 4); do curl -s "http://$KONG_ENDPOINT/dj/jazz"; echo; done');
    expect(out).toContain('4. HTTP 429: `{"message":"API rate limit exceeded"}`');
  });

  it('reports an unknown block type, an unknown step and an unclosed block with file and line', () => {
    const w = getWalkthrough('mesh-basics');
    expect(() => renderDocBlocks('a\n\n<!-- generated:chart -->\n<!-- /generated -->', w, 'g.md')).toThrow(
      new DocBlockError('g.md', 3, 'unknown block type "chart"; known types: object, checks, corrections, teaches, steps, deploy, ecs-tasks, shell, local, ecs-setup, ecs-deploy, ecs-step, ecs-cleanup, appmesh-cli'),
    );
    expect(() => renderDocBlocks('<!-- generated:checks step=later -->\n<!-- /generated -->', w, 'g.md')).toThrow(/g\.md:1: walkthrough mesh-basics has no step "later"/);
    expect(() => renderDocBlocks('<!-- generated:object kind=VirtualNode name=vnode-9 -->\n<!-- /generated -->', w, 'g.md')).toThrow(/g\.md:1: no VirtualNode vnode-9/);
    expect(() => renderDocBlocks('<!-- generated:teaches -->\nno end', w, 'g.md')).toThrow(/without a matching <!-- \/generated --> line/);
  });
});
