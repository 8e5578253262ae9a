/**
 * The `local` block: how a guide runs its walkthrough on the local mesh — the start command, the
 * entries on their fixed ports, and every step with the checks that hold there, as commands a
 * learner types with the output the definition promises.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { localEntryPort, localPortBase } from '../src/model/local.js';
import { checksAt } from '../src/model/state.js';
import type { Walkthrough } from '../src/model/walkthrough.js';
import { DocBlockError, renderDocBlocks } from '../src/render/docs/blocks.js';
import { expectedText } from '../src/render/docs/commands.js';
import { extendedRegex } from '../src/render/docs/local.js';
import { getWalkthrough, walkthroughs } from '../src/walkthroughs/index.js';

const render = (w: Walkthrough, attrs = '') => renderDocBlocks(`<!-- generated:local${attrs} -->\n<!-- /generated -->`, w, 'x.md');

/** The rendered text of each step, keyed by step name (the block's `### Step n: … (\`name\`)` sections). */
function sections(text: string): Map<string, string> {
  const parts = text.split(/^### Step \d+: /m).slice(1);
  return new Map(parts.map((p) => [/\(`([^`]+)`\)\n/.exec(p)![1]!, p]));
}

describe('local block', () => {
  it('starts a multi-step walkthrough at its first step and moves through the others in order', () => {
    const w = getWalkthrough('dj-kong-ingress');
    const out = render(w);
    expect(out).toContain('```sh\npnpm walkthrough up dj-kong-ingress --step v1-only\n```');
    expect(out).toMatch(/first run builds the apps/);
    expect(out).not.toContain('pnpm walkthrough step dj-kong-ingress v1-only');
    const positions = w.steps.slice(1).map((s) => out.indexOf(`pnpm walkthrough step dj-kong-ingress ${s.name}\n`));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect([...sections(out).keys()]).toEqual(w.steps.map((s) => s.name));
  });

  it('prints each entry on its fixed local port, and from which step it exists', () => {
    const w = getWalkthrough('dj-kong-ingress');
    const position = walkthroughs.indexOf(w);
    const dj = localEntryPort(w, position, 'dj');
    const kong = localEntryPort(w, position, 'kong');
    expect([dj, kong]).toEqual([localPortBase(position), localPortBase(position) + 1]);
    const out = render(w);
    expect(out).toContain(`| \`dj\` | a shell in the dj pod | \`curl -x http://127.0.0.1:${dj} <url>\``);
    expect(out).toMatch(new RegExp(`\\| \`kong\` \\| Kong’s proxy load balancer \\| \`http://127\\.0\\.0\\.1:${kong}\` \\(from step \`kong-ingress\`\\) \\|`));
    // An exec entry is the workload's sidecar used as an HTTP proxy; a load balancer is a plain URL.
    expect(out).toContain(`curl -s -x http://127.0.0.1:${dj} http://jazz.prod.svc.cluster.local:9080/`);
    expect(out).toContain(`for i in $(seq 1 400); do curl -s http://127.0.0.1:${kong}/dj/metal; echo; done | sort | uniq -c`);
    expect(out).toContain(`curl -s -H 'apikey: kong-secret' http://127.0.0.1:${kong}/dj/jazz`);
  });

  it.each(walkthroughs.map((w) => w.name))('%s: every step names every check that holds there, new ones with the expected output', (name) => {
    const w = getWalkthrough(name);
    const out = render(w);
    const bySteps = w.steps.length > 1 ? sections(out) : new Map([[w.steps[0]!.name, out]]);
    w.steps.forEach((step, i) => {
      const text = bySteps.get(step.name)!;
      const earlier = i > 0 ? checksAt(w, w.steps[i - 1]!.name).map((c) => c.name) : [];
      for (const check of checksAt(w, step.name)) {
        if (earlier.includes(check.name)) {
          expect(text).toContain(`*${check.title}*`);
        } else {
          expect(text).toContain(`**${check.title}**\n\n\`\`\`sh\n`);
          expect(text).toContain(expectedText(check));
        }
      }
      // A check that no longer holds (a canary before promotion) is not offered at this step.
      for (const check of w.checks.filter((c) => !checksAt(w, step.name).includes(c))) expect(text).not.toContain(check.title);
    });
  });

  it('renders one step alone with step=, and the rate limit as a numbered sequence', () => {
    const out = render(getWalkthrough('dj-kong-ingress'), ' step=rate-limit');
    expect(out).toContain('pnpm walkthrough step dj-kong-ingress rate-limit');
    expect(out).toContain('for i in $(seq 1 4); do curl -s http://127.0.0.1:20401/dj/jazz; echo; done\n');
    expect(out).toContain('4. HTTP 429: `{"message":"API rate limit exceeded"}`');
    expect(out).not.toContain('pnpm walkthrough up');
    expect(out).not.toContain('### Step');
  });

  it('filters an admin page with a grep that really selects the lines the check is about', () => {
    const out = render(getWalkthrough('ingress-gateway-ecs'), ' step=partial-tls');
    const command = /curl -s http:\/\/127\.0\.0\.1:20201\/stats \| grep -E '([^']+)'/.exec(out);
    expect(command).not.toBeNull();
    const stats = [
      'cluster.cds_egress_colorapp_colorteller-white-vn_http_9080.ssl.handshake: 4',
      'cluster.cds_egress_colorapp_colorteller-blue-vn_http_9080.ssl.handshake: 2',
      'cluster.cds_egress_colorapp_colorteller-white-vn_http_9080.ssl.handshake: 0',
      'cluster.cds_egress_colorapp_colorteller-white-vn_http_9080.upstream_cx_total: 4',
    ].join('\n');
    const kept = execFileSync('grep', ['-E', command![1]!], { input: stats, encoding: 'utf8' });
    expect(kept).toBe('cluster.cds_egress_colorapp_colorteller-white-vn_http_9080.ssl.handshake: 4\n');
  });

  it('refuses a check pattern grep -E cannot express', () => {
    expect(extendedRegex('a\\S+b\\d')).toBe('a[^[:space:]]+b[0-9]');
    expect(() => extendedRegex('(?=x)y')).toThrow(/no grep -E equivalent/);
    expect(() => extendedRegex('a.*?b')).toThrow(/no grep -E equivalent/);
  });

  it('shows a trace through the local X-Ray view, read from the run file', () => {
    const out = render(getWalkthrough('yelb-canary-observability'), ' step=v1-only');
    expect(out).toContain(
      'curl -s http://127.0.0.1:20600/api/outback; echo\ncurl -s "$(node -p \'require("./.local-mesh/run/yelb-canary-observability.json").controlPlane\')/v1/traces?limit=1"',
    );
  });

  it('starts a one-step walkthrough without --step or step headings', () => {
    const out = render(getWalkthrough('ingress-gateway-eks'));
    expect(out).toContain('```sh\npnpm walkthrough up ingress-gateway-eks\n```');
    expect(out).not.toMatch(/--step|### Step|pnpm walkthrough step /);
    expect(out).toContain("curl -s -H 'color_header: requesting.green.color' http://127.0.0.1:20300/headers");
  });

  it('reports an entry whose workload no step runs, with the file and line', () => {
    const w = getWalkthrough('mesh-basics');
    const broken: Walkthrough = { ...w, entries: [...w.entries, { name: 'ghost', title: 'a shell in no pod', kind: 'exec', workload: { name: 'ghost', namespace: 'mesh-test' } }] };
    expect(() => renderDocBlocks('x\n<!-- generated:local -->\n<!-- /generated -->', broken, 'g.md')).toThrow(
      new DocBlockError('g.md', 2, 'entry ghost names mesh-test/ghost, which no step of mesh-basics runs'),
    );
  });
});
