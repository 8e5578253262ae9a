/**
 * ColorTeller's environment. The original read SERVER_PORT; our walkthroughs and platforms set
 * PORT, so both are accepted and PORT wins, which lets one image serve either style of manifest.
 */
import { ConfigError, DEFAULT_BIND_ADDRESS, LOG_LEVELS, env, readConfig, type Env, type LogLevel } from '@amw/service-kit';

const shape = {
  COLOR: env.string({ default: 'black' }),
  STAGE: env.string({ default: 'default' }),
  SERVER_PORT: env.port({ default: 8080 }),
  PORT: env.port({ optional: true }),
  BIND_ADDRESS: env.ipAddress({ default: DEFAULT_BIND_ADDRESS }),
  CONTROL_PORT: env.port({ optional: true }),
  CONTROL_TOKEN: env.secret({ optional: true }),
  LOG_LEVEL: env.oneOf(LOG_LEVELS)({ default: 'info' }),
};

export interface ColortellerConfig {
  readonly color: string;
  readonly stage: string;
  readonly port: number;
  /** Both listeners bind here. */
  readonly bindAddress: string;
  /** The fault-injection listener and the token its callers must send; unset means no faults can ever be injected. */
  readonly control: { readonly port: number; readonly token: string } | undefined;
  readonly logLevel: LogLevel;
}

export function readColortellerConfig(source: Env = process.env): ColortellerConfig {
  const raw = readConfig(shape, source);
  const port = raw.PORT ?? raw.SERVER_PORT;
  const problems: string[] = [];
  if (raw.CONTROL_PORT === port) {
    const listenVar = raw.PORT === undefined ? 'SERVER_PORT' : 'PORT';
    problems.push(`CONTROL_PORT=${raw.CONTROL_PORT} is the same port as ${listenVar}: give the fault-injection listener a port of its own`);
  }
  // Whoever reaches the control port can fail every request: it never opens without a secret.
  if (raw.CONTROL_PORT !== undefined && raw.CONTROL_TOKEN === undefined) {
    problems.push(
      `CONTROL_TOKEN is required with CONTROL_PORT: set it to a secret of at least 16 visible ASCII characters (e.g. the output of \`openssl rand -hex 32\`), which callers of the control port send as "Authorization: Bearer <token>"`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    color: raw.COLOR,
    stage: raw.STAGE,
    port,
    bindAddress: raw.BIND_ADDRESS,
    control: raw.CONTROL_PORT !== undefined && raw.CONTROL_TOKEN !== undefined ? { port: raw.CONTROL_PORT, token: raw.CONTROL_TOKEN } : undefined,
    logLevel: raw.LOG_LEVEL,
  };
}

/** The X-Ray segment name the original used; log lines carry it so traces and logs line up. */
export function segmentName(stage: string, color: string): string {
  return `${stage}-colorteller-${color}`;
}
