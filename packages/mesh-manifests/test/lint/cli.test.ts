/**
 * `pnpm mesh lint`: compiler-style lines, a summary, JSON for scripts, and exit codes 0 (clean or
 * warnings only), 1 (errors), 2 (usage). Driven through `runLint` and through the commander
 * command the CLI registers; and, once the CLI entry point exists, as a real process.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runLint, type LintIo } from '../../src/cli/commands/lint.js';
import { runCli } from '../../src/cli/main.js';
import { CLEAN, removeTrapFolders, trapFolder } from './helpers.js';

afterAll(removeTrapFolders);

const PACKAGE = fileURLToPath(new URL('../../', import.meta.url));
const COMPILER_LINE = /^\S+:\d+ (error|warning) [a-z-]+ [A-Za-z]+\/[^:]+: .+ — fix: .+$/;

function capture(cwd: string = CLEAN): LintIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    cwd,
    out: () => out,
    err: () => err,
  };
}

describe('runLint', () => {
  it('prints a summary and exits 0 for a clean folder (a path wins over a walkthrough of the same name)', async () => {
    const io = capture();
    expect(await runLint('mesh-basics', {}, io)).toBe(0);
    expect(io.out()).toBe('✓ no problems in 17 objects from mesh-basics\n');
    expect(io.err()).toBe('');
  });

  it('prints one compiler-style line per finding and exits 1 on errors', async () => {
    const dir = await trapFolder('mesh-basics', 'short-name');
    const io = capture(dir);
    expect(await runLint('.', {}, io)).toBe(1);
    const lines = io.out().trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(COMPILER_LINE);
    expect(lines[0]).toMatch(/^client\.yaml:23 error short-name-call Deployment\/mesh-test\/client: .* — fix: call the full name/);
    expect(lines[1]).toBe('✗ 1 error, 0 warnings in 17 objects from .');
  });

  it('exits 0 when there are only warnings', async () => {
    const dir = await trapFolder('mesh-basics', 'service-selector');
    const io = capture(dir);
    expect(await runLint(dir, {}, io)).toBe(0);
    expect(io.out()).toContain(' warning selector-misses-pods ');
    expect(io.out()).toContain('! 0 errors, 1 warning in 17 objects');
  });

  it('writes JSON for scripts', async () => {
    const dir = await trapFolder('yelb-multi-account', 'ui-listener-port');
    const io = capture(dir);
    expect(await runLint('.', { format: 'json' }, io)).toBe(1);
    const report = JSON.parse(io.out());
    expect(report).toMatchObject({ target: '.', errors: 1, warnings: 0, objects: 21 });
    expect(report.findings).toEqual([
      expect.objectContaining({ file: 'frontend/yelb-ui.yaml', line: 61, severity: 'error', rule: 'port-mismatch', kind: 'VirtualNode', namespace: 'yelb', name: 'yelb-ui' }),
    ]);
  });

  it('runs only the rules asked for', async () => {
    const dir = await trapFolder('mesh-basics', 'short-name');
    expect(await runLint(dir, { rule: ['route-weights'] }, capture(dir))).toBe(0);
    expect(await runLint(dir, { rule: ['short-name-call'] }, capture(dir))).toBe(1);
  });

  it.each([
    [undefined, {}, 'missing target: give a walkthrough name or a folder of YAML'],
    ['no-such-thing', {}, '"no-such-thing" is neither a folder nor a walkthrough; give a folder of YAML or one of: mesh-basics, ingress-gateway-ecs, ingress-gateway-eks, dj-kong-ingress, yelb-multi-account, yelb-canary-observability'],
    ['ingress-gateway-ecs', {}, 'walkthrough ingress-gateway-ecs runs on ECS'],
    ['mesh-basics', { rule: ['no-such-rule'] }, 'unknown rule no-such-rule; rules are: invalid-yaml, missing-reference'],
    ['mesh-basics', { account: '1234' }, '--account "1234" is not a 12-digit AWS account ID'],
  ])('exits 2 with one line for a usage error (%s %j)', async (target, options, text) => {
    const io = capture(join(CLEAN, '..'));
    expect(await runLint(target, options, io)).toBe(2);
    expect(io.out()).toBe('');
    expect(io.err().split('\n')).toHaveLength(2);
    expect(io.err()).toContain(`mesh lint: ${text}`);
  });

  it('lints a walkthrough by name, every Kubernetes target as the renderers would write k8s/<name>', async () => {
    const io = capture(join(PACKAGE, '..', '..'));
    const code = await runLint('mesh-basics', {}, io);
    const lines = io.out().trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(/ in \d+ objects from walkthrough mesh-basics \(as rendered into k8s\/mesh-basics: appmesh, istio, lattice\)$/);
    for (const line of lines.slice(0, -1)) expect(line).toMatch(/^k8s\/mesh-basics\/(appmesh|istio|lattice)\/\S+:\d+ /);
    expect(code).toBe(lines.length > 1 && io.out().includes(' error ') ? 1 : 0);
  });
});

describe('pnpm mesh lint, through the CLI', () => {
  async function mesh(argv: string[], cwd: string) {
    const out: string[] = [];
    const err: string[] = [];
    const previous = process.env.INIT_CWD;
    process.env.INIT_CWD = cwd;
    try {
      const code = await runCli(argv, { root: join(PACKAGE, '..', '..'), out: (l) => out.push(l), err: (l) => err.push(l) });
      return { code, out, err };
    } finally {
      if (previous === undefined) delete process.env.INIT_CWD;
      else process.env.INIT_CWD = previous;
    }
  }

  it('exits 1 for a folder with errors, the findings and summary on stdout', async () => {
    const dir = await trapFolder('mesh-basics', 'route-weights');
    const { code, out, err } = await mesh(['lint', '.'], dir);
    expect(code).toBe(1);
    expect(out).toEqual([expect.stringMatching(/^router\.yaml:20 error route-weights /), expect.stringMatching(/^router\.yaml:34 error route-weights /), '✗ 2 errors, 0 warnings in 17 objects from .']);
    expect(err).toEqual(['fix the errors above, then run `pnpm mesh lint .` again']);
  });

  it('exits 0 for a clean folder given relative to where the user stands', async () => {
    const { code, out } = await mesh(['lint', 'dj-app', '--format', 'json'], CLEAN);
    expect(code).toBe(0);
    expect(JSON.parse(out.join('\n'))).toMatchObject({ target: 'dj-app', errors: 0, findings: [] });
  });

  it('exits 2 with one line without a target', async () => {
    const { code, out, err } = await mesh(['lint'], CLEAN);
    expect(code).toBe(2);
    expect(out).toEqual([]);
    expect(err).toEqual([expect.stringMatching(/^missing target: give a walkthrough name or a folder of YAML/)]);
  });

  it('exits 2 on an option or a format it does not know', async () => {
    const unknown = await mesh(['lint', 'mesh-basics', '--fromat', 'json'], CLEAN);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toEqual([expect.stringContaining("unknown option '--fromat'")]);
    const format = await mesh(['lint', 'mesh-basics', '--format', 'xml'], CLEAN);
    expect(format.code).toBe(2);
    expect(format.err[0]).toContain("option '--format <format>' argument 'xml' is invalid");
  });
});

const MAIN = join(PACKAGE, 'src', 'cli', 'main.ts');

describe('pnpm mesh lint, as a process', () => {
  it('exits 1 and prints the findings for a trap, 2 for a missing path', async () => {
    const dir = await trapFolder('mesh-basics', 'namespace-selector');
    const run = (args: string[]) =>
      spawnSync(process.execPath, ['--conditions=@amw/source', '--import', 'tsx', MAIN, 'lint', ...args], { cwd: PACKAGE, encoding: 'utf8', env: { ...process.env, INIT_CWD: dir } });
    const failing = run(['.']);
    expect(failing.status).toBe(1);
    expect(failing.stdout).toMatch(/^mesh\.yaml:18 error namespace-not-in-mesh Namespace\/mesh-test: /);
    const missing = run(['./nowhere']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe('"./nowhere" is neither a folder nor a walkthrough; give a folder of YAML or one of: mesh-basics, ingress-gateway-ecs, ingress-gateway-eks, dj-kong-ingress, yelb-multi-account, yelb-canary-observability\n');
  });
});
