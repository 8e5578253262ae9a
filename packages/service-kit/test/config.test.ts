import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_BIND_ADDRESS, env, readConfig } from '../src/config.js';

describe('readConfig', () => {
  const shape = {
    PORT: env.port({ default: 4567 }),
    APP_VERSION: env.oneOf(['v1', 'v2'] as const)({ default: 'v1' }),
    UPSTREAM: env.url()(),
    DEBUG: env.boolean({ optional: true }),
    DB: env.hostPort(5432)({ optional: true }),
  };

  it('parses values and applies defaults', () => {
    const config = readConfig(shape, { UPSTREAM: 'http://yelb-appserver:4567', DEBUG: 'yes', DB: 'yelb-db' });
    expect(config.PORT).toBe(4567);
    expect(config.APP_VERSION).toBe('v1');
    expect(config.UPSTREAM.host).toBe('yelb-appserver:4567');
    expect(config.DEBUG).toBe(true);
    expect(config.DB).toEqual({ host: 'yelb-db', port: 5432 });
  });

  it('treats an empty string as unset', () => {
    expect(readConfig(shape, { UPSTREAM: 'http://a', PORT: '' }).PORT).toBe(4567);
  });

  it('reports every bad variable by name, with the value found and what was expected', () => {
    let error: unknown;
    try {
      readConfig(shape, { PORT: '80800', APP_VERSION: 'v3', DB: 'db:x' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(4);
    expect(problems[0]).toBe('PORT="80800" is invalid (out of range 1..65535): expected a TCP port (1-65535)');
    expect(problems[1]).toContain('APP_VERSION="v3" is invalid');
    expect(problems[1]).toContain('one of v1, v2');
    expect(problems[2]).toBe('UPSTREAM is required: set it to a URL with scheme http or https');
    expect(problems[3]).toContain('DB="db:x" is invalid (not host[:port])');
  });

  it('rejects URLs with a scheme the variable does not accept', () => {
    expect(() => readConfig({ U: env.url(['postgres:', 'postgresql:'])() }, { U: 'http://x' })).toThrow(
      /U="http:\/\/x" is invalid \(scheme http is not accepted\)/,
    );
  });
});

describe('addresses and secrets', () => {
  it('takes an IP address literal to listen on, and refuses a host name', () => {
    const shape = { BIND_ADDRESS: env.ipAddress({ default: DEFAULT_BIND_ADDRESS }) };
    expect(readConfig(shape, {}).BIND_ADDRESS).toBe('0.0.0.0');
    expect(readConfig(shape, { BIND_ADDRESS: '127.0.0.1' }).BIND_ADDRESS).toBe('127.0.0.1');
    expect(readConfig(shape, { BIND_ADDRESS: '::' }).BIND_ADDRESS).toBe('::');
    expect(() => readConfig(shape, { BIND_ADDRESS: 'localhost' })).toThrow(/BIND_ADDRESS="localhost" is invalid \(not an IP address\): expected an IP address/);
    expect(() => readConfig(shape, { BIND_ADDRESS: '127.0.0.256' })).toThrow(ConfigError);
  });

  it('never repeats a secret’s value in a message, whatever is wrong with it', () => {
    const shape = { TOKEN: env.secret() };
    expect(readConfig(shape, { TOKEN: 'a'.repeat(16) }).TOKEN).toBe('a'.repeat(16));
    const problems = (value: string) => {
      try {
        readConfig(shape, { TOKEN: value });
      } catch (error) {
        return (error as ConfigError).problems;
      }
      throw new Error('accepted');
    };
    expect(problems('hunter2')).toEqual([
      'TOKEN is invalid (it is shorter than 16 characters): expected a secret of at least 16 visible ASCII characters (e.g. the output of `openssl rand -hex 32`)',
    ]);
    const spaced = problems('correct horse battery staple');
    expect(spaced[0]).toMatch(/^TOKEN is invalid \(it holds spaces/);
    expect(spaced.join('\n')).not.toContain('horse');
    expect(problems('hunter2').join('\n')).not.toContain('hunter2');
  });
});

describe('redactUrl', () => {
  it('hides the password and leaves the rest', async () => {
    const { redactUrl } = await import('../src/urls.js');
    expect(redactUrl('postgres://postgres:postgres_password@yelb-db:5432/yelbdatabase')).toBe('postgres://postgres:***@yelb-db:5432/yelbdatabase');
    expect(redactUrl('redis://127.0.0.1:6379/2')).toBe('redis://127.0.0.1:6379/2');
    expect(redactUrl('not a url')).toBe('not a url');
  });
});
