/**
 * ColorTeller's environment. The original read SERVER_PORT; our walkthroughs and platforms set
 * PORT, so both are accepted and PORT wins, which lets one image serve either style of manifest.
 */
import { ConfigError, LOG_LEVELS, env, readConfig, type Env, type LogLevel } from '@amw/service-kit';

const shape = {
  COLOR: env.string({ default: 'black' }),
  STAGE: env.string({ default: 'default' }),
  SERVER_PORT: env.port({ default: 8080 }),
  PORT: env.port({ optional: true }),
  CONTROL_PORT: env.port({ optional: true }),
  LOG_LEVEL: env.oneOf(LOG_LEVELS)({ default: 'info' }),
};

export interface ColortellerConfig {
  readonly color: string;
  readonly stage: string;
  readonly port: number;
  /** Where the fault-injection listener runs; unset means no faults can ever be injected. */
  readonly controlPort: number | undefined;
  readonly logLevel: LogLevel;
}

export function readColortellerConfig(source: Env = process.env): ColortellerConfig {
  const raw = readConfig(shape, source);
  const port = raw.PORT ?? raw.SERVER_PORT;
  if (raw.CONTROL_PORT === port) {
    const listenVar = raw.PORT === undefined ? 'SERVER_PORT' : 'PORT';
    throw new ConfigError([
      `CONTROL_PORT=${raw.CONTROL_PORT} is the same port as ${listenVar}: give the fault-injection listener a port of its own`,
    ]);
  }
  return { color: raw.COLOR, stage: raw.STAGE, port, controlPort: raw.CONTROL_PORT, logLevel: raw.LOG_LEVEL };
}

/** The X-Ray segment name the original used; log lines carry it so traces and logs line up. */
export function segmentName(stage: string, color: string): string {
  return `${stage}-colorteller-${color}`;
}
