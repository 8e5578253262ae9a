import { describe, expect, it } from 'vitest';
import { ConfigError } from '@amw/service-kit';
import { readMusicConfig } from '../src/config.js';

describe('music configuration', () => {
  it('defaults to v1 on port 9080 of every interface', () => {
    expect(readMusicConfig({ GENRE: 'metal' })).toEqual({ GENRE: 'metal', VERSION: 'v1', PORT: 9080, BIND_ADDRESS: '0.0.0.0', LOG_LEVEL: 'info' });
  });

  it('takes GENRE, VERSION, PORT and BIND_ADDRESS from the environment', () => {
    expect(readMusicConfig({ GENRE: 'jazz', VERSION: 'v2', PORT: '8080', BIND_ADDRESS: '127.0.0.1' })).toMatchObject({
      GENRE: 'jazz',
      VERSION: 'v2',
      PORT: 8080,
      BIND_ADDRESS: '127.0.0.1',
    });
  });

  it.each([
    [{}, 'GENRE is required: set it to one of jazz, metal'],
    [{ GENRE: 'blues' }, 'GENRE="blues" is invalid (not one of the accepted values): expected one of jazz, metal'],
    [{ GENRE: 'Jazz' }, 'GENRE="Jazz" is invalid'],
    [{ GENRE: 'jazz', VERSION: 'v3' }, 'VERSION="v3" is invalid (not one of the accepted values): expected one of v1, v2'],
    [{ GENRE: 'jazz', PORT: 'http' }, 'PORT="http" is invalid'],
    [{ GENRE: 'jazz', BIND_ADDRESS: '0.0.0.0/0' }, 'BIND_ADDRESS="0.0.0.0/0" is invalid (not an IP address)'],
  ])('rejects %j, naming the variable', (vars, message) => {
    let error: unknown;
    try {
      readMusicConfig(vars);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems[0]).toContain(message);
  });
});
