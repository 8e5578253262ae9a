/**
 * `pnpm walkthrough up --bind-address`: the one way to open a walkthrough to the network. Run
 * from the built CLI on mesh-basics (the smallest walkthrough), it must say so on stderr, open
 * exactly the apps and the proxies' listeners, keep the admin ports, the control plane and the
 * datagram sockets on loopback, and still pass the walkthrough's checks. Without the option, the
 * `pnpm dev` test proves nothing listens beyond 127.0.0.1.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksAt, getWalkthrough } from '@amw/mesh-manifests';
import { CheckClient } from '../../src/checks/runner.js';
import { boundSockets, commandOf, descendants, type BoundSocket } from '../helpers/sockets.js';
import { cliEntry as cli, repoRoot as root, startCli, type CliProcess } from './cli-process.js';
const walkthrough = getWalkthrough('mesh-basics');

interface ReadyLine {
  step: string;
  entries: Record<string, string>;
  admin: Record<string, string>;
}

describe('pnpm walkthrough up --bind-address', () => {
  it('refuses an address the processes could not reach each other on, in one line, before starting anything', () => {
    const result = spawnSync(process.execPath, [cli, 'up', 'mesh-basics', '--bind-address', '192.0.2.7'], { cwd: root, encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      'walkthrough: --bind-address must be 127.0.0.1 (this machine only, the default) or 0.0.0.0 or :: (every interface), got "192.0.2.7": ' +
        'the processes reach each other on 127.0.0.1, so a listener on a single other address would cut them off\n',
    );
    expect(result.stdout).toBe('');
  });

  describe('0.0.0.0', () => {
    let up: CliProcess | undefined;
    let stateDir: string;
    let ready: ReadyLine | undefined;

    beforeAll(async () => {
      stateDir = await mkdtemp(join(tmpdir(), 'amw-bind-'));
      up = await startCli(['up', 'mesh-basics', '--quiet', '--bind-address', '0.0.0.0'], { AMW_LOCAL_MESH_STATE_DIR: stateDir }, (line) => {
        if (line.startsWith('{"walkthrough"')) ready = JSON.parse(line) as ReadyLine;
        return ready !== undefined;
      });
    }, 120_000);

    afterAll(async () => {
      if (up) expect(await up.stop(), 'processes left behind').toEqual([]);
      await rm(stateDir, { recursive: true, force: true });
    }, 60_000);

    it('says once, on stderr, that the processes are reachable from the network', () => {
      expect(up!.stderr()).toBe(
        'walkthrough: warning: --bind-address 0.0.0.0: the walkthroughs’ apps and proxy listeners accept connections from the network: anyone who can reach this machine can call them\n',
      );
    });

    it('opens the apps and the proxies’ listeners, and nothing else', () => {
      const adminPorts = new Set(Object.values(ready!.admin).map((url) => Number(new URL(url).port)));
      const started = descendants(up!.child.pid!);
      const show = (s: BoundSocket) => `${s.protocol} ${s.address}:${s.port} of ${commandOf(s.pid)}`;
      const sockets = boundSockets(started);
      const wrong = sockets.filter((s) => {
        const loopbackOnly = s.protocol === 'udp' || adminPorts.has(s.port);
        return s.address !== (loopbackOnly ? '127.0.0.1' : '0.0.0.0');
      });
      expect(wrong.map(show)).toEqual([]);
      // The CLI itself (the control plane, the X-Ray and StatsD stand-ins) stays on loopback.
      expect(boundSockets([up!.child.pid!]).filter((s) => s.address !== '127.0.0.1').map(show)).toEqual([]);
      // Both ColorTellers: their main port and their control port.
      const apps = started.filter((pid) => /colorteller\/dist\/main\.js/.test(commandOf(pid)));
      expect(apps).toHaveLength(2);
      for (const pid of apps) expect(sockets.filter((s) => s.pid === pid && s.address === '0.0.0.0')).toHaveLength(2);
      // Every proxy has an admin port on loopback and at least one listener open.
      const proxies = started.filter((pid) => /proxy-main\.js/.test(commandOf(pid)));
      expect(proxies.length).toBeGreaterThanOrEqual(4);
      for (const pid of proxies) {
        expect(sockets.some((s) => s.pid === pid && s.address === '127.0.0.1' && adminPorts.has(s.port)), commandOf(pid)).toBe(true);
        expect(sockets.some((s) => s.pid === pid && s.address === '0.0.0.0'), commandOf(pid)).toBe(true);
      }
    });

    it('still passes every check of the walkthrough', async () => {
      const client = new CheckClient({ entries: () => ready!.entries, entryKinds: Object.fromEntries(walkthrough.entries.map((e) => [e.name, e.kind])) });
      try {
        for (const check of checksAt(walkthrough, ready!.step)) {
          const outcome = await client.run(check);
          expect(outcome.ok, `${check.name}:\n  ${outcome.lines.join('\n  ')}`).toBe(true);
        }
      } finally {
        client.close();
      }
    }, 60_000);
  });
});
