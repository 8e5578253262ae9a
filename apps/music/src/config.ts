import { DEFAULT_BIND_ADDRESS, LOG_LEVELS, env, readConfig, type Env } from '@amw/service-kit';
import { GENRES, VERSIONS } from './catalogue.js';

const shape = {
  GENRE: env.oneOf(GENRES)(),
  VERSION: env.oneOf(VERSIONS)({ default: 'v1' }),
  PORT: env.port({ default: 9080 }),
  BIND_ADDRESS: env.ipAddress({ default: DEFAULT_BIND_ADDRESS }),
  LOG_LEVEL: env.oneOf(LOG_LEVELS)({ default: 'info' }),
};

export function readMusicConfig(source: Env = process.env) {
  return readConfig(shape, source);
}

export type MusicConfig = ReturnType<typeof readMusicConfig>;
