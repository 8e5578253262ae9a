import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@amw/service-kit';
import { readColortellerConfig, segmentName } from '../src/config.js';

const TOKEN = 'a-token-of-32-characters-at-last';

describe('ColorTeller configuration', () => {
  it('defaults to black, stage default, port 8080 on every interface, no control port', () => {
    expect(readColortellerConfig({})).toEqual({ color: 'black', stage: 'default', port: 8080, bindAddress: '0.0.0.0', control: undefined, logLevel: 'info' });
    expect(segmentName('default', 'black')).toBe('default-colorteller-black');
  });

  it('listens on SERVER_PORT, and PORT wins when both are set', () => {
    expect(readColortellerConfig({ SERVER_PORT: '9080' }).port).toBe(9080);
    expect(readColortellerConfig({ PORT: '8080', SERVER_PORT: '9080' }).port).toBe(8080);
  });

  it('listens where BIND_ADDRESS says, an IP address only', () => {
    expect(readColortellerConfig({ BIND_ADDRESS: '127.0.0.1' }).bindAddress).toBe('127.0.0.1');
    expect(() => readColortellerConfig({ BIND_ADDRESS: 'everywhere' })).toThrow(/BIND_ADDRESS="everywhere" is invalid \(not an IP address\)/);
  });

  it('refuses a control port equal to the listening port, naming both variables', () => {
    expect(() => readColortellerConfig({ SERVER_PORT: '9080', CONTROL_PORT: '9080', CONTROL_TOKEN: TOKEN })).toThrow(ConfigError);
    expect(() => readColortellerConfig({ PORT: '8080', CONTROL_PORT: '8080', CONTROL_TOKEN: TOKEN })).toThrow(/CONTROL_PORT=8080 is the same port as PORT/);
  });

  it('opens the control port only with a token', () => {
    expect(readColortellerConfig({ CONTROL_PORT: '9901', CONTROL_TOKEN: TOKEN }).control).toEqual({ port: 9901, token: TOKEN });
    expect(() => readColortellerConfig({ CONTROL_PORT: '9901' })).toThrow(/CONTROL_TOKEN is required with CONTROL_PORT/);
    expect(() => readColortellerConfig({ CONTROL_PORT: '9901', CONTROL_TOKEN: 'short' })).toThrow(/^invalid configuration:\n {2}- CONTROL_TOKEN is invalid \(it is shorter than 16 characters\)/);
  });

  it('stops a real process with exit code 78 and names the bad variable', () => {
    const cwd = fileURLToPath(new URL('..', import.meta.url));
    const result = spawnSync(process.execPath, ['--conditions=@amw/source', '--import', 'tsx', 'src/main.ts'], {
      cwd,
      env: { PATH: process.env.PATH, SERVER_PORT: '80800' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(78);
    expect(result.stderr).toContain('SERVER_PORT="80800" is invalid');
    expect(result.stdout).toBe('');
  });

  it('refuses to start a real process with a control port and no token, or a token it would print', () => {
    const cwd = fileURLToPath(new URL('..', import.meta.url));
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, ['--conditions=@amw/source', '--import', 'tsx', 'src/main.ts'], {
        cwd,
        env: { PATH: process.env.PATH, ...env },
        encoding: 'utf8',
        timeout: 30_000,
      });
    const missing = run({ CONTROL_PORT: '9901' });
    expect(missing.status).toBe(78);
    expect(missing.stderr).toMatch(/^colorteller: invalid configuration:\n {2}- CONTROL_TOKEN is required with CONTROL_PORT: [^\n]+\n$/);
    expect(missing.stdout).toBe('');
    const bad = run({ CONTROL_PORT: '9901', CONTROL_TOKEN: 'not secret at all, with spaces' });
    expect(bad.status).toBe(78);
    expect(bad.stderr).toContain('CONTROL_TOKEN is invalid (it holds spaces');
    expect(bad.stderr).not.toContain('not secret');
  });
});
