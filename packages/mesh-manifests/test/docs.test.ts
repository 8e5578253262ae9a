/**
 * The guides: every walkthrough has one, with the sections the project promises, and the blocks
 * rendered from the definition; a broken block is reported with its file and line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repositoryRoot } from '../src/cli/context.js';
import { DocBlockError, renderDocBlocks } from '../src/render/docs/blocks.js';
import { targetCommands } from '../src/render/docs/target-commands.js';
import { liveTargetsOf } from '../src/render/layout.js';
import { getWalkthrough, walkthroughs } from '../src/walkthroughs/index.js';
import { RENDERERS } from './targets/rendered.js';

const liveTargetPairs = walkthroughs.flatMap((w) => liveTargetsOf(w).map((t) => [w.name, t] as const));
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
      new DocBlockError('g.md', 3, 'unknown block type "chart"; known types: object, checks, corrections, teaches, source, steps, deploy, ecs-tasks, shell, local, ecs-setup, ecs-deploy, ecs-step, ecs-cleanup, appmesh-cli, target, cleanup, stacks'),
    );
    expect(() => renderDocBlocks('<!-- generated:checks step=later -->\n<!-- /generated -->', w, 'g.md')).toThrow(/g\.md:1: walkthrough mesh-basics has no step "later"/);
    expect(() => renderDocBlocks('<!-- generated:object kind=VirtualNode name=vnode-9 -->\n<!-- /generated -->', w, 'g.md')).toThrow(/g\.md:1: no VirtualNode vnode-9/);
    expect(() => renderDocBlocks('<!-- generated:teaches -->\nno end', w, 'g.md')).toThrow(/without a matching <!-- \/generated --> line/);
    expect(() => renderDocBlocks('<!-- generated:target target=consul -->\n<!-- /generated -->', w, 'g.md')).toThrow(/g\.md:1: a target block needs target= one of istio, lattice, service-connect/);
    expect(() => renderDocBlocks('<!-- generated:target target=service-connect -->\n<!-- /generated -->', w, 'g.md')).toThrow(/g\.md:1: mesh-basics runs on EKS: its targets are istio and lattice/);
  });

  it.each(walkthroughs.map((w) => w.name))('%s has a section per live target, each with what to install, the commands, the checks, the clean-up and the report', (name) => {
    const text = guide(name);
    const w = getWalkthrough(name);
    const sections = w.platform === 'eks' ? ['## On Istio', '## On Amazon VPC Lattice'] : ['## On ECS Service Connect'];
    for (const heading of sections) {
      const section = text.slice(text.indexOf(heading)).split(/\n## /)[0]!;
      expect(section, heading).toContain('<!-- generated:target target=');
      for (const part of ['**You need**', '**Deploy.**', '**Check it, step by step.**', '**Clean up.**', '**What the migration keeps.**']) expect(section, `${heading} ${part}`).toContain(part);
    }
  });

  it.each(liveTargetPairs)('%s on %s: deploys every stack and folder it renders, before anything needs them, and deletes them all', (name, target) => {
    const w = getWalkthrough(name);
    const files = RENDERERS[target](w).map((f) => f.path);
    const { deploy, clean } = targetCommands(w, target);
    const templates = files.filter((f) => f.includes('/cloudformation/') || (target === 'service-connect' && f.endsWith('.yaml')));
    const deployed = (file: string) => deploy.findIndex((line) => line.includes(`--template-file ${file}`));
    for (const template of templates) expect(deployed(template), template).toBeGreaterThanOrEqual(0);
    // A stack whose parameters name another stack's output comes after that stack.
    for (const line of deploy.filter((l) => l.includes('output of the'))) {
      const needs = /output of the (\S+) stack/.exec(line)![1]!;
      const provider = deploy.findIndex((l) => l.includes('--stack-name') && l.includes(`-${needs} `));
      expect(provider, line).toBeGreaterThanOrEqual(0);
      expect(provider, line).toBeLessThan(deploy.indexOf(line));
    }
    for (const stack of deploy.flatMap((l) => /^aws cloudformation deploy --stack-name (\S+)/.exec(l)?.[1] ?? [])) expect(clean.join('\n'), stack).toContain(`delete-stack --stack-name ${stack}`);
    const folders = [...new Set(files.filter((f) => f.endsWith('/kustomization.yaml')).map((f) => f.slice(0, -'/kustomization.yaml'.length)))];
    // Where a walkthrough spans two clusters, each command names its cluster's context.
    const context = w.clusters.length > 1 ? / --context "\$[A-Z]+_CONTEXT"$/ : /^$/;
    const has = (lines: readonly string[], command: string) => lines.some((l) => l.startsWith(command) && context.test(l.slice(command.length)));
    for (const folder of folders.filter((f) => !f.includes('/steps/') && !f.endsWith('/settings'))) expect(has(deploy, `kubectl apply -k ${folder}`), folder).toBe(true);
    for (const folder of folders.filter((f) => !f.endsWith('/settings'))) expect(has(clean, `kubectl delete -k ${folder} --ignore-not-found`), folder).toBe(true);
  });

  it.each(liveTargetPairs)('%s on %s: sets every shell variable its commands use, in the install-and-deploy shell and in the clean-up shell', (name, target) => {
    const { install, deploy, clean } = targetCommands(getWalkthrough(name), target);
    const unset = (lines: readonly string[]) => {
      const known = new Set(['PWD', 'PATH']);
      const missing: string[] = [];
      for (const line of lines) {
        if (line.startsWith('#')) continue;
        // A line may set a variable before it reads it (`until X=$(…) && [ -n "$X" ]`).
        for (const [, set] of line.matchAll(/(?:^|[\s;(]|export )([A-Z_][A-Z0-9_]*)=/g)) known.add(set!);
        for (const [, used] of line.matchAll(/\$\{?([A-Z_][A-Z0-9_]*)/g)) if (!known.has(used!)) missing.push(`${used} in: ${line.slice(0, 80)}`);
      }
      return missing;
    };
    expect(unset([...install, ...deploy])).toEqual([]);
    expect(unset(clean)).toEqual([]);
  });

  it('deletes one folder per kubectl delete, newest first: kubectl takes a single -k', () => {
    for (const w of walkthroughs) {
      const commands = guide(w.name).split('\n').filter((line) => /\bkubectl\b/.test(line));
      for (const command of commands) expect((command.match(/(^|\s)-k(\s|$)/g) ?? []).length, `${w.name}: ${command}`).toBeLessThanOrEqual(1);
    }
    const dj = guide('dj-kong-ingress');
    const appMesh = dj.slice(dj.indexOf('## Clean up')).split(/\n## /)[0]!;
    expect(appMesh.match(/kubectl delete -k \S+/g)).toEqual([
      'kubectl delete -k k8s/dj-kong-ingress/appmesh/steps/4-key-auth',
      'kubectl delete -k k8s/dj-kong-ingress/appmesh/steps/3-rate-limit',
      'kubectl delete -k k8s/dj-kong-ingress/appmesh/steps/2-kong-ingress',
      'kubectl delete -k k8s/dj-kong-ingress/appmesh/steps/1-canary',
      'kubectl delete -k k8s/dj-kong-ingress/appmesh',
    ]);
  });
});
