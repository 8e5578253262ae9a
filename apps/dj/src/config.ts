/**
 * The DJ calls its backends by their mesh names, exactly as the walkthrough's virtual services
 * spell them; the mesh (Envoy in a pod, our sidecar locally) decides which version answers.
 */
import { DEFAULT_BIND_ADDRESS, LOG_LEVELS, env, readConfig, type Env } from '@amw/service-kit';

export const DEFAULT_JAZZ_URL = 'http://jazz.prod.svc.cluster.local:9080/';
export const DEFAULT_METAL_URL = 'http://metal.prod.svc.cluster.local:9080/';

const shape = {
  PORT: env.port({ default: 9080 }),
  BIND_ADDRESS: env.ipAddress({ default: DEFAULT_BIND_ADDRESS }),
  JAZZ_URL: env.url()({ default: new URL(DEFAULT_JAZZ_URL) }),
  METAL_URL: env.url()({ default: new URL(DEFAULT_METAL_URL) }),
  UPSTREAM_TIMEOUT_MS: env.integer(1, 600_000)({ default: 5000 }),
  LOG_LEVEL: env.oneOf(LOG_LEVELS)({ default: 'info' }),
};

export function readDjConfig(source: Env = process.env) {
  return readConfig(shape, source);
}

export type DjConfig = ReturnType<typeof readDjConfig>;
