import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { colourCode, colourEnabled } from '../src/supervisor/colour.js';
import { createConsoleReporter } from '../src/supervisor/reporter.js';
import { SupervisorError, supervise, type ProcessSpec, type SupervisorEvent } from '../src/supervisor/supervise.js';
import { alive, eventually, freePortBase, spawnCollecting } from './helpers.js';

const fixture = fileURLToPath(new URL('./fixtures/service.mjs', import.meta.url));
const harness = fileURLToPath(new URL('./fixtures/orphan-harness.ts', import.meta.url));

function service(name: string, port: number, env: Record<string, string> = {}): ProcessSpec {
  return {
    name,
    command: process.execPath,
    args: [fixture],
    env: { FIXTURE_NAME: name, PORT: String(port), ...env },
    ready: { http: `http://127.0.0.1:${port}/ping` },
  };
}

function recorder() {
  const events: SupervisorEvent[] = [];
  return { events, onEvent: (e: SupervisorEvent) => void events.push(e) };
}

describe('supervise', () => {
  it('starts processes, reports their lines by name and waits for readiness (HTTP and TCP)', async () => {
    const base = await freePortBase(2);
    const { events, onEvent } = recorder();
    const group = await supervise(
      [
        service('web', base, { READY_DELAY_MS: '300' }),
        { ...service('db', base + 1), ready: { tcp: { port: base + 1 } } },
      ],
      { onEvent },
    );
    try {
      const types = (name: string) => events.filter((e) => 'name' in e && e.name === name).map((e) => e.type);
      expect(types('web')).toContain('waiting');
      expect(types('web').indexOf('waiting')).toBeLessThan(types('web').indexOf('ready'));
      expect(types('db')).toContain('ready');
      expect(group.processes.map((p) => [p.name, p.ready])).toEqual([
        ['web', true],
        ['db', true],
      ]);
      const web = await fetch(`http://127.0.0.1:${base}/env`).then((r) => r.json() as Promise<Record<string, string>>);
      expect(web.PORT).toBe(String(base));
      expect(web.AMW_SUPERVISOR_PID).toBe(String(process.pid));
      expect(web.NODE_OPTIONS).toMatch(/--import=file:.*orphan-guard\.mjs/);
    } finally {
      await group.stop();
    }
    const output = events.filter((e) => e.type === 'output');
    expect(output).toContainEqual({ type: 'output', name: 'web', stream: 'stdout', line: 'web says hello' });
    expect(output).toContainEqual({ type: 'output', name: 'db', stream: 'stderr', line: 'db warns' });
    // A last line without a newline still arrives, whole, when the stream ends.
    expect(output).toContainEqual({ type: 'output', name: 'db', stream: 'stderr', line: 'partial line without newline' });
  });

  it('stops with SIGTERM, and SIGKILLs a child that ignores it once the grace is over', async () => {
    const base = await freePortBase(2);
    const { events, onEvent } = recorder();
    const group = await supervise([service('polite', base), service('stubborn', base + 1, { IGNORE_SIGTERM: '1' })], {
      onEvent,
      stopTimeoutMs: 700,
    });
    const pids = group.processes.map((p) => p.pid!);
    const exits = await group.stop();
    expect(exits.find((e) => e.name === 'polite')).toMatchObject({ code: 0, signal: null, expected: true, killed: false });
    expect(exits.find((e) => e.name === 'stubborn')).toMatchObject({ signal: 'SIGKILL', expected: true, killed: true });
    expect(events).toContainEqual(expect.objectContaining({ type: 'killed', name: 'stubborn' }));
    expect(events).toContainEqual({ type: 'output', name: 'polite', stream: 'stdout', line: 'polite got SIGTERM' });
    expect(events).toContainEqual({ type: 'output', name: 'stubborn', stream: 'stdout', line: 'stubborn ignores SIGTERM' });
    for (const pid of pids) expect(alive(pid)).toBe(false);
  });

  it('stops the whole process group of a child: its own children go too', async () => {
    const base = await freePortBase(1);
    const { events, onEvent } = recorder();
    const group = await supervise([service('parent', base, { SPAWN_GRANDCHILD: '1' })], { onEvent });
    const line = events.find((e) => e.type === 'output' && e.line.startsWith('grandchild pid'));
    const grandchild = Number((line as { line: string }).line.split(' ').pop());
    expect(alive(grandchild)).toBe(true);
    await group.stop();
    await eventually(() => !alive(grandchild), `grandchild ${grandchild} exits`);
  });

  it('fails start-up naming a child that exits before it is ready, and stops the others', async () => {
    const base = await freePortBase(2);
    const { events, onEvent } = recorder();
    const started = supervise([service('healthy', base), service('broken', base + 1, { EXIT_AT_ONCE: '3' })], { onEvent });
    const error = await started.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SupervisorError);
    expect((error as SupervisorError).processName).toBe('broken');
    expect((error as SupervisorError).message).toBe('broken exited with code 3 before it was ready');
    const healthy = (error as SupervisorError).exits.find((e) => e.name === 'healthy')!;
    expect(healthy.expected).toBe(true);
    expect(alive(healthy.pid!)).toBe(false);
    expect(events).toContainEqual({ type: 'output', name: 'broken', stream: 'stdout', line: 'broken says hello' });
  });

  it('fails start-up when a check is not ready in time', async () => {
    const base = await freePortBase(1);
    const error = await supervise([service('mute', base, { NEVER_LISTEN: '1' })], { readyTimeoutMs: 800 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SupervisorError);
    expect((error as SupervisorError).message).toMatch(/^mute is not ready after 1s \(ECONNREFUSED\) at GET http:\/\/127\.0\.0\.1:\d+\/ping$/);
    expect(alive((error as SupervisorError).exits[0]!.pid!)).toBe(false);
  });

  it('fails start-up clearly when a command cannot be started', async () => {
    const error = await supervise([{ name: 'ghost', command: '/nonexistent/amw-no-such-binary' }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SupervisorError);
    expect((error as SupervisorError).message).toMatch(/^ghost could not start: spawn \/nonexistent\/amw-no-such-binary ENOENT$/);
  });

  it('rejects duplicate and empty names before starting anything', async () => {
    await expect(supervise([service('twin', 1), service('twin', 2)])).rejects.toThrow('process name "twin" is used twice; names must be unique');
    await expect(supervise([service('', 1)])).rejects.toThrow('must be non-empty');
  });

  it('stops everyone when a started child exits on its own (restart policy: none)', async () => {
    const base = await freePortBase(2);
    const { events, onEvent } = recorder();
    const group = await supervise([service('steady', base), service('short-lived', base + 1, { EXIT_AFTER_MS: '500', EXIT_CODE: '4' })], {
      onEvent,
    });
    const exits = await group.exited;
    expect(exits.find((e) => e.name === 'short-lived')).toMatchObject({ code: 4, expected: false });
    expect(exits.find((e) => e.name === 'steady')).toMatchObject({ code: 0, expected: true });
    expect(events).toContainEqual({ type: 'stopping', reason: 'short-lived exited with code 4' });
  });

  it('starts a killed child again with a doubling back-off, ready again, and stops cleanly (restart policy)', async () => {
    const base = await freePortBase(2);
    const { events, onEvent } = recorder();
    const group = await supervise([service('steady', base), service('victim', base + 1)], {
      onEvent,
      onChildExit: 'keep',
      restart: { initialDelayMs: 200, maxDelayMs: 1000 },
    });
    try {
      const victim = () => group.processes.find((p) => p.name === 'victim')!;
      for (const attempt of [1, 2]) {
        const pid = victim().pid!;
        process.kill(pid, 'SIGKILL');
        await eventually(() => victim().restarts === attempt && victim().ready && victim().pid !== pid, `victim restarted ${attempt} time(s) and ready`, 10_000);
        expect(victim().lastExit).toMatchObject({ name: 'victim', signal: 'SIGKILL', expected: false });
        expect((await fetch(`http://127.0.0.1:${base + 1}/ping`)).status).toBe(200);
      }
      const delays = events.filter((e) => e.type === 'restarting').map((e) => (e as { delayMs: number }).delayMs);
      expect(delays).toEqual([200, 400]);
      expect(group.processes.find((p) => p.name === 'steady')!.restarts).toBe(0);
      expect(group.processes.find((p) => p.name === 'steady')!.exit).toBeUndefined();
    } finally {
      const exits = await group.stop();
      expect(exits.map((e) => e.expected)).toEqual([true, true]);
    }
  });

  it('ends a child that is waiting to be started again when the group stops', async () => {
    const base = await freePortBase(1);
    const group = await supervise([service('crasher', base, { EXIT_AFTER_MS: '300', EXIT_CODE: '3' })], {
      onChildExit: 'keep',
      restart: { initialDelayMs: 60_000 },
    });
    await eventually(() => group.processes[0]!.lastExit !== undefined, 'the crasher exited', 5000);
    const exits = await group.stop();
    expect(exits).toEqual([expect.objectContaining({ name: 'crasher', code: 3, expected: true })]);
  });

  it('leaves no orphans when the supervisor itself is killed with SIGKILL', async () => {
    const base = await freePortBase(2);
    const run = spawnCollecting(process.execPath, ['--conditions=@amw/source', '--import', 'tsx', harness, String(base), String(base + 1)]);
    const [, json] = await run.waitFor(/^(\{"pids".*\})$/m);
    const pids = (JSON.parse(json!) as { pids: number[] }).pids;
    const grandchild = Number(run.output().match(/grandchild pid (\d+)/)![1]);
    for (const pid of [...pids, grandchild]) expect(alive(pid)).toBe(true);
    run.child.kill('SIGKILL');
    await run.exit;
    // The stubborn child ignores SIGTERM: its guard exits it after the grace all the same.
    for (const pid of [...pids, grandchild]) await eventually(() => !alive(pid), `process ${pid} exits after its supervisor died`);
  });

  it('stops its children when the supervisor process receives SIGTERM (handleSignals)', async () => {
    const base = await freePortBase(2);
    const run = spawnCollecting(process.execPath, ['--conditions=@amw/source', '--import', 'tsx', harness, String(base), String(base + 1)]);
    const [, json] = await run.waitFor(/^(\{"pids".*\})$/m);
    const pids = (JSON.parse(json!) as { pids: number[] }).pids;
    run.child.kill('SIGTERM');
    expect(await run.exit).toEqual({ code: 0, signal: null });
    expect(run.output()).toContain('harness: all children exited');
    for (const pid of pids) expect(alive(pid)).toBe(false);
  });
});

describe('console reporter', () => {
  const names = ['yelb-ui', 'dj'];

  it('prefixes every line with the padded name, and marks its own notes apart', () => {
    const lines: string[] = [];
    const report = createConsoleReporter({ names, colour: false, write: (t) => lines.push(t) });
    report({ type: 'output', name: 'dj', stream: 'stdout', line: 'hello' });
    report({ type: 'output', name: 'yelb-ui', stream: 'stderr', line: 'oops' });
    report({ type: 'ready', name: 'dj', elapsedMs: 1234 });
    report({ type: 'waiting', name: 'dj', target: 'GET http://127.0.0.1:1/ping', elapsedMs: 2100, reason: 'ECONNREFUSED' });
    expect(lines).toEqual([
      'dj      | hello\n',
      'yelb-ui | oops\n',
      'dj      ▸ ready after 1.2s\n',
      'dj      ▸ still waiting for GET http://127.0.0.1:1/ping (2.1s, last: ECONNREFUSED)\n',
    ]);
  });

  it('colours a name the same way every time, and each name of a group differently', () => {
    const lines: string[] = [];
    const report = createConsoleReporter({ names, colour: true, write: (t) => lines.push(t) });
    report({ type: 'output', name: 'dj', stream: 'stdout', line: 'one' });
    report({ type: 'output', name: 'dj', stream: 'stdout', line: 'two' });
    expect(lines[0]).toBe(`\u001b[${colourCode('dj', names)}mdj      |\u001b[0m one\n`);
    expect(lines[1]).toBe(`\u001b[${colourCode('dj', names)}mdj      |\u001b[0m two\n`);
    expect(colourCode('dj', names)).not.toBe(colourCode('yelb-ui', names));
    expect(colourCode('stranger')).toBe(colourCode('stranger'));
  });

  it('colours only terminals, and never under NO_COLOR', () => {
    expect(colourEnabled({ isTTY: true }, {})).toBe(true);
    expect(colourEnabled({ isTTY: false }, {})).toBe(false);
    expect(colourEnabled({}, {})).toBe(false);
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colourEnabled({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
  });
});
