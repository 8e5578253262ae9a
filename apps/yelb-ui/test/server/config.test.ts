import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@amw/service-kit';
import { describe, expect, it } from 'vitest';
import { readYelbUiConfig } from '../../src/server/config.js';

const packageDir = fileURLToPath(new URL('../..', import.meta.url));

describe('readYelbUiConfig', () => {
  it('defaults to port 8080 and the original appserver endpoint', () => {
    const config = readYelbUiConfig({});
    expect(config.PORT).toBe(8080);
    expect(config.BIND_ADDRESS).toBe('0.0.0.0');
    expect(config.YELB_APPSERVER_ENDPOINT.href).toBe('http://yelb-appserver:4567/');
    expect(config.STATIC_DIR).toBeUndefined();
    expect(config.LOG_LEVEL).toBe('info');
  });

  it('reads every variable', () => {
    const config = readYelbUiConfig({
      PORT: '9090',
      BIND_ADDRESS: '::',
      YELB_APPSERVER_ENDPOINT: 'https://api.example.test/stage',
      STATIC_DIR: '/srv/yelb',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({ PORT: 9090, BIND_ADDRESS: '::', STATIC_DIR: '/srv/yelb', LOG_LEVEL: 'debug' });
    expect(config.YELB_APPSERVER_ENDPOINT.href).toBe('https://api.example.test/stage');
  });

  it.each([
    ['yelb-appserver', /YELB_APPSERVER_ENDPOINT="yelb-appserver" is invalid \(not a URL\)/],
    ['yelb-appserver:4567', /YELB_APPSERVER_ENDPOINT="yelb-appserver:4567" is invalid \(scheme yelb-appserver is not accepted\)/],
    ['ftp://yelb-appserver', /scheme ftp is not accepted/],
    ['http://yelb-appserver:4567/?debug=1', /YELB_APPSERVER_ENDPOINT=.* is invalid \(it has a query\)/],
    ['http://user:pw@yelb-appserver:4567', /it has credentials/],
  ])('rejects YELB_APPSERVER_ENDPOINT=%s, naming the variable', (value, message) => {
    expect(() => readYelbUiConfig({ YELB_APPSERVER_ENDPOINT: value })).toThrow(ConfigError);
    expect(() => readYelbUiConfig({ YELB_APPSERVER_ENDPOINT: value })).toThrow(message);
  });

  it('rejects a bad PORT and reports every problem at once', () => {
    expect(() => readYelbUiConfig({ PORT: '80800', LOG_LEVEL: 'loud' })).toThrow(/PORT="80800" is invalid[\s\S]*LOG_LEVEL="loud" is invalid/);
  });
});

async function runMain(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--conditions=@amw/source', '--import', 'tsx', 'src/server/main.ts'], {
    cwd: packageDir,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stderr };
}

describe('start-up', () => {
  it('stops with exit code 78 and one line naming a bad YELB_APPSERVER_ENDPOINT', async () => {
    const { code, stderr } = await runMain({ YELB_APPSERVER_ENDPOINT: 'yelb-appserver:4567' });
    expect(code).toBe(78);
    expect(stderr).toContain('yelb-ui: invalid configuration');
    expect(stderr).toContain('YELB_APPSERVER_ENDPOINT="yelb-appserver:4567" is invalid');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('stops with exit code 78 when STATIC_DIR holds no built page', async () => {
    const { code, stderr } = await runMain({ STATIC_DIR: '/nonexistent/yelb-ui' });
    expect(code).toBe(78);
    expect(stderr).toContain('STATIC_DIR="/nonexistent/yelb-ui" is invalid: no built page in /nonexistent/yelb-ui');
  });
});
