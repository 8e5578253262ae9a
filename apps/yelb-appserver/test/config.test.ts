import { spawn } from 'node:child_process';
import { hostname as osHostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@amw/service-kit';
import { describe, expect, it } from 'vitest';
import { readAppserverConfig, reportedHostname } from '../src/index.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    readAppserverConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a configuration error');
}

describe('readAppserverConfig: where Postgres and Redis are', () => {
  it('defaults to RACK_ENV=development: localhost with the original credentials, port 4567, v1', () => {
    const config = readAppserverConfig({});
    expect(config).toMatchObject({
      port: 4567,
      bindAddress: '0.0.0.0',
      appVersion: 'v1',
      logLevel: 'info',
      rackEnv: 'development',
      databaseUrl: 'postgres://postgres:postgres_password@localhost:5432/yelbdatabase',
      redisUrl: 'redis://localhost:6379',
      databaseFrom: 'RACK_ENV=development',
    });
  });

  it.each(['production', 'test'])('RACK_ENV=%s uses the service names yelb-db and redis-server', (rackEnv) => {
    const config = readAppserverConfig({ RACK_ENV: rackEnv });
    expect(config.databaseUrl).toBe('postgres://postgres:postgres_password@yelb-db:5432/yelbdatabase');
    expect(config.redisUrl).toBe('redis://redis-server:6379');
  });

  it('RACK_ENV=custom reads the endpoint variables, host alone or host:port', () => {
    const config = readAppserverConfig({
      RACK_ENV: 'custom',
      YELB_DB_SERVER_ENDPOINT: 'db.internal',
      REDIS_SERVER_ENDPOINT: 'cache.internal:6380',
    });
    expect(config.databaseUrl).toBe('postgres://postgres:postgres_password@db.internal:5432/yelbdatabase');
    expect(config.redisUrl).toBe('redis://cache.internal:6380');
    expect(config.redisFrom).toBe('RACK_ENV=custom, REDIS_SERVER_ENDPOINT');
  });

  it('RACK_ENV=custom accepts an IPv6 endpoint in brackets', () => {
    const config = readAppserverConfig({ RACK_ENV: 'custom', YELB_DB_SERVER_ENDPOINT: '[::1]:5433', REDIS_SERVER_ENDPOINT: '[::1]' });
    expect(config.databaseUrl).toBe('postgres://postgres:postgres_password@[::1]:5433/yelbdatabase');
    expect(config.redisUrl).toBe('redis://[::1]:6379');
  });

  it('RACK_ENV=custom without its endpoints names each variable to set and why', () => {
    const problems = problemsOf({ RACK_ENV: 'custom' });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^YELB_DB_SERVER_ENDPOINT is required: .*Postgres host.*RACK_ENV=custom.*DATABASE_URL/);
    expect(problems[1]).toMatch(/^REDIS_SERVER_ENDPOINT is required: .*Redis host.*RACK_ENV=custom.*REDIS_URL/);
  });

  it('DATABASE_URL and REDIS_URL win over RACK_ENV, and make the custom endpoints unnecessary', () => {
    const urls = { DATABASE_URL: 'postgresql://u:p@pg.example:6543/votes', REDIS_URL: 'redis://cache.example:7000/3' };
    for (const rackEnv of ['production', 'custom']) {
      const config = readAppserverConfig({ RACK_ENV: rackEnv, ...urls });
      expect(config.databaseUrl).toBe(urls.DATABASE_URL);
      expect(config.redisUrl).toBe(urls.REDIS_URL);
      expect(config.databaseFrom).toBe('DATABASE_URL');
    }
  });

  it('ignores the endpoint variables outside RACK_ENV=custom, as the original did', () => {
    const config = readAppserverConfig({ RACK_ENV: 'production', YELB_DB_SERVER_ENDPOINT: 'db:not-a-port' });
    expect(config.databaseUrl).toContain('@yelb-db:5432/');
  });

  it('reads PORT, BIND_ADDRESS, APP_VERSION, LOG_LEVEL and HOSTNAME', () => {
    const config = readAppserverConfig({ PORT: '8080', BIND_ADDRESS: '127.0.0.1', APP_VERSION: 'v2', LOG_LEVEL: 'debug', HOSTNAME: 'appserver-7f9c' });
    expect(config).toMatchObject({ port: 8080, bindAddress: '127.0.0.1', appVersion: 'v2', logLevel: 'debug', hostname: 'appserver-7f9c' });
  });
});

describe('readAppserverConfig: bad values name the variable', () => {
  it.each([
    ['PORT', '80800', /PORT="80800" is invalid \(out of range 1\.\.65535\)/],
    ['PORT', 'http', /PORT="http" is invalid \(not an integer\)/],
    ['BIND_ADDRESS', 'yelb-appserver', /BIND_ADDRESS="yelb-appserver" is invalid \(not an IP address\)/],
    ['APP_VERSION', 'v3', /APP_VERSION="v3" is invalid .*expected one of v1, v2/],
    ['LOG_LEVEL', 'verbose', /LOG_LEVEL="verbose" is invalid .*one of debug, info, warn, error/],
    ['RACK_ENV', 'staging', /RACK_ENV="staging" is invalid .*one of production, test, development, custom/],
    ['DATABASE_URL', 'mysql://db/yelb', /DATABASE_URL="mysql:\/\/db\/yelb" is invalid \(scheme mysql is not accepted\)/],
    ['REDIS_URL', 'cache:6379', /REDIS_URL="cache:6379" is invalid \(scheme cache is not accepted\)/],
    ['REDIS_URL', 'not a url', /REDIS_URL="not a url" is invalid \(not a URL\)/],
  ])('%s=%s', (name, value, message) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it('a bad custom endpoint is named with its expected form', () => {
    const problems = problemsOf({ RACK_ENV: 'custom', YELB_DB_SERVER_ENDPOINT: 'db:99999', REDIS_SERVER_ENDPOINT: 'redis://x' });
    expect(problems[0]).toMatch(/^YELB_DB_SERVER_ENDPOINT="db:99999" is invalid \(out of range 1\.\.65535\): expected the Postgres host or host:port/);
    expect(problems[1]).toMatch(/^REDIS_SERVER_ENDPOINT="redis:\/\/x" is invalid \(not host\[:port\]\)/);
  });

  it('reports every problem at once', () => {
    expect(problemsOf({ PORT: '0', APP_VERSION: 'canary', RACK_ENV: 'prod' })).toHaveLength(3);
  });
});

describe('reportedHostname', () => {
  it('v2 always answers ApplicationVersion2, as the canary demos expect', () => {
    expect(reportedHostname('v2', 'pod-abc', { HOSTNAME: 'pod-abc' })).toBe('ApplicationVersion2');
  });

  it('v1 prefers an explicit hostname, then $HOSTNAME, then the OS hostname', () => {
    expect(reportedHostname('v1', 'instance-2', { HOSTNAME: 'pod-abc' })).toBe('instance-2');
    expect(reportedHostname('v1', undefined, { HOSTNAME: 'pod-abc' })).toBe('pod-abc');
    expect(reportedHostname('v1', undefined, {})).toBe(osHostname());
  });
});

describe('the process entry', () => {
  it('exits with 78 and names the variable on stderr when the configuration is bad', async () => {
    const packageDir = fileURLToPath(new URL('..', import.meta.url));
    const child = spawn(process.execPath, ['--conditions=@amw/source', '--import', 'tsx', 'src/main.ts'], {
      cwd: packageDir,
      env: { PATH: process.env.PATH ?? '', RACK_ENV: 'custom', REDIS_SERVER_ENDPOINT: 'redis-server' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(78);
    expect(stderr).toMatch(/^yelb-appserver: invalid configuration:\n {2}- YELB_DB_SERVER_ENDPOINT is required/);
    expect(stderr).not.toMatch(/REDIS_SERVER_ENDPOINT/);
  });
});
