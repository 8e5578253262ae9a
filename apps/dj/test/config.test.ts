import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readDjConfig } from '../src/config.js';

describe('DJ configuration', () => {
  it('defaults to port 9080, the mesh names of jazz and metal, and a 5 s timeout', () => {
    const config = readDjConfig({});
    expect(config.PORT).toBe(9080);
    expect(config.BIND_ADDRESS).toBe('0.0.0.0');
    expect(config.JAZZ_URL.href).toBe('http://jazz.prod.svc.cluster.local:9080/');
    expect(config.METAL_URL.href).toBe('http://metal.prod.svc.cluster.local:9080/');
    expect(config.UPSTREAM_TIMEOUT_MS).toBe(5000);
  });

  it('listens where BIND_ADDRESS says', () => {
    expect(readDjConfig({ BIND_ADDRESS: '127.0.0.1' }).BIND_ADDRESS).toBe('127.0.0.1');
  });

  it.each([
    [{ JAZZ_URL: 'jazz:9080' }, 'JAZZ_URL="jazz:9080" is invalid (scheme jazz is not accepted)'],
    [{ METAL_URL: 'not a url' }, 'METAL_URL="not a url" is invalid (not a URL)'],
    [{ UPSTREAM_TIMEOUT_MS: '0' }, 'UPSTREAM_TIMEOUT_MS="0" is invalid (out of range 1..600000)'],
    [{ PORT: '-1' }, 'PORT="-1" is invalid'],
    [{ BIND_ADDRESS: 'localhost' }, 'BIND_ADDRESS="localhost" is invalid (not an IP address)'],
  ])('rejects %j, naming the variable', (vars, message) => {
    expect(() => readDjConfig(vars)).toThrow(message);
  });

  it('stops a real process with exit code 78 and names the bad variable', () => {
    const result = spawnSync(process.execPath, ['--conditions=@amw/source', '--import', 'tsx', 'src/main.ts'], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { PATH: process.env.PATH, JAZZ_URL: 'ftp://jazz.prod.svc.cluster.local/' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(78);
    expect(result.stderr).toContain('JAZZ_URL="ftp://jazz.prod.svc.cluster.local/" is invalid (scheme ftp is not accepted)');
  });
});
