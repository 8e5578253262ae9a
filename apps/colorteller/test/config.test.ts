import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@amw/service-kit';
import { readColortellerConfig, segmentName } from '../src/config.js';

describe('ColorTeller configuration', () => {
  it('defaults to black, stage default, port 8080, no control port', () => {
    expect(readColortellerConfig({})).toEqual({ color: 'black', stage: 'default', port: 8080, controlPort: undefined, logLevel: 'info' });
    expect(segmentName('default', 'black')).toBe('default-colorteller-black');
  });

  it('listens on SERVER_PORT, and PORT wins when both are set', () => {
    expect(readColortellerConfig({ SERVER_PORT: '9080' }).port).toBe(9080);
    expect(readColortellerConfig({ PORT: '8080', SERVER_PORT: '9080' }).port).toBe(8080);
  });

  it('refuses a control port equal to the listening port, naming both variables', () => {
    expect(() => readColortellerConfig({ SERVER_PORT: '9080', CONTROL_PORT: '9080' })).toThrow(ConfigError);
    expect(() => readColortellerConfig({ PORT: '8080', CONTROL_PORT: '8080' })).toThrow(/CONTROL_PORT=8080 is the same port as PORT/);
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
});
