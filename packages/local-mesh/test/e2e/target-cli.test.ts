/**
 * `pnpm walkthrough … --target`, from the built CLI: bad targets, a walkthrough the target does
 * not render and a rendered file that cannot be read each give one line and exit code 2 with
 * nothing started; a real run of ingress-gateway-eks on Lattice prints exactly the verdicts the
 * guide promises (three header routes Lattice cannot carry, expected to differ, landing on white),
 * and `check --target istio` against it is refused.
 */
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedVerdicts, getWalkthrough, migrationReport, summaryLine, verdictLine } from '@amw/mesh-manifests';
import { cliEntry as cli, repoRoot as root, startCli, type CliProcess } from './cli-process.js';

function walkthroughCli(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1', ...env } });
}

describe('pnpm walkthrough list', () => {
  it('names the live targets each walkthrough can run from', () => {
    const result = walkthroughCli(['list']);
    expect(result.status).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines.find((l) => l.startsWith('ingress-gateway-ecs '))).toMatch(/--target: none$/);
    expect(lines.find((l) => l.startsWith('dj-kong-ingress '))).toMatch(/--target: istio, lattice$/);
  });
});

describe('pnpm walkthrough --target: refusals', () => {
  it('an unknown target: one line, exit 2, nothing started', () => {
    const result = walkthroughCli(['up', 'mesh-basics', '--target', 'consul']);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('walkthrough: unknown target "consul"; choose istio or lattice (without --target the walkthrough runs on App Mesh)\n');
    expect(result.stdout).toBe('');
  });

  it('a walkthrough the target does not render', () => {
    const result = walkthroughCli(['up', 'ingress-gateway-ecs', '--target', 'lattice']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^walkthrough: walkthrough ingress-gateway-ecs runs on ECS and is rendered for service-connect, not lattice; run it without --target/);
    expect(result.stderr.split('\n')).toHaveLength(2);
  });

  describe('rendered files the local control plane cannot use', () => {
    let copy: string;
    let stateDir: string;
    beforeAll(async () => {
      copy = await mkdtemp(join(tmpdir(), 'amw-rendered-cli-'));
      stateDir = await mkdtemp(join(tmpdir(), 'amw-state-cli-'));
    });
    afterAll(async () => {
      await rm(copy, { recursive: true, force: true });
      await rm(stateDir, { recursive: true, force: true });
    });

    async function broken(edit: (text: string) => string): Promise<ReturnType<typeof walkthroughCli>> {
      const folder = 'k8s/mesh-basics/istio';
      await rm(join(copy, folder), { recursive: true, force: true });
      await cp(join(root, folder), join(copy, folder), { recursive: true });
      const file = join(copy, folder, 'virtual-services.yaml');
      await writeFile(file, edit(await readFile(file, 'utf8')));
      return walkthroughCli(['up', 'mesh-basics', '--target', 'istio', '--quiet'], { AMW_LOCAL_MESH_STATE_DIR: stateDir, AMW_RENDERED_ROOT: copy });
    }

    it('a file that is not YAML', async () => {
      const result = await broken((text) => `${text}\nspec: [\n`);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/^walkthrough: k8s\/mesh-basics\/istio\/virtual-services\.yaml is not valid YAML \(.+\); fix the file or run `pnpm mesh render`/);
      expect(result.stdout).not.toContain('ready');
    });

    it('a match the local control plane does not implement names the object, its file and the fix', async () => {
      const result = await broken((text) => text.replace('prefix: /', 'suffix: /'));
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/^walkthrough: VirtualService mesh-test\/\S+ \(k8s\/mesh-basics\/istio\/virtual-services\.yaml\): .*suffix/);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stdout).not.toContain('ready');
    });
  });
});

describe('pnpm walkthrough up ingress-gateway-eks --target lattice', () => {
  const walkthrough = getWalkthrough('ingress-gateway-eks');
  let up: CliProcess | undefined;
  let stateDir: string;
  let ready: { target: string; entries: Record<string, string> };

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'amw-target-cli-'));
    up = await startCli(['up', walkthrough.name, '--target', 'lattice', '--quiet'], { AMW_LOCAL_MESH_STATE_DIR: stateDir }, (line) => {
      if (line.startsWith('{"walkthrough"')) ready = JSON.parse(line) as typeof ready;
      return ready !== undefined;
    });
  }, 120_000);

  afterAll(async () => {
    if (up) expect(await up.stop(), 'processes left behind').toEqual([]);
    await rm(stateDir, { recursive: true, force: true });
  }, 60_000);

  it('says it runs on Lattice, with the client pod as an entry (there is no gateway) and its start-up time', () => {
    expect(ready.target).toBe('lattice');
    expect(Object.keys(ready.entries)).toEqual(['client']);
    expect(up!.output()).toMatch(/▸ 1 walkthrough on lattice ready in \d+\.\ds/);
  });

  it('check prints the verdicts the guide promises and exits 0: expected to differ is not a failure', () => {
    const result = walkthroughCli(['check', walkthrough.name], { AMW_LOCAL_MESH_STATE_DIR: stateDir });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    const verdicts = result.stdout.split('\n').filter((line) => /^[✓✗≠] /.test(line) || /^\d+ passed/.test(line));
    const expected = expectedVerdicts(walkthrough, 'lattice', 'mesh', migrationReport(walkthrough, 'lattice'));
    const counts = { passed: 0, failed: 0, differs: 0 };
    for (const v of expected) counts[v.verdict]++;
    expect(verdicts).toEqual([...expected.map((v) => verdictLine(v.check, v.verdict, 'lattice', v.verdict === 'differs' ? (v.note ?? '') : undefined, v.ran)), summaryLine(counts, 'lattice')]);
    expect(counts.differs).toBe(3);
    // What really happens instead: the header routes Lattice cannot carry land on the default rule.
    expect(result.stdout).toMatch(/≠ color_header: red answers red[^\n]*\n {4}white ×3/);
  });

  it('check --target istio against a Lattice run: one line, exit 2', () => {
    const result = walkthroughCli(['check', walkthrough.name, '--target', 'istio'], { AMW_LOCAL_MESH_STATE_DIR: stateDir });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      `walkthrough: ${walkthrough.name} is running on lattice, not istio; drop --target, or stop it and start it with \`pnpm walkthrough up ${walkthrough.name} --target istio\`\n`,
    );
  });
});
