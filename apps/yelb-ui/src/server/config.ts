/**
 * The environment yelb-ui reads. The names are the original image's where it had one
 * (`YELB_APPSERVER_ENDPOINT`), so existing manifests keep working.
 */
import { ConfigError, DEFAULT_BIND_ADDRESS, LOG_LEVELS, env, readConfig, type ConfigOf, type Env } from '@amw/service-kit';

export const DEFAULT_APPSERVER_ENDPOINT = 'http://yelb-appserver:4567';

const shape = {
  PORT: env.port({ default: 8080 }),
  BIND_ADDRESS: env.ipAddress({ default: DEFAULT_BIND_ADDRESS }),
  YELB_APPSERVER_ENDPOINT: env.url(['http:', 'https:'])({ default: new URL(DEFAULT_APPSERVER_ENDPOINT) }),
  STATIC_DIR: env.string({ optional: true }),
  LOG_LEVEL: env.oneOf(LOG_LEVELS)({ default: 'info' }),
};

export type YelbUiConfig = ConfigOf<typeof shape>;

/**
 * Reads and checks the configuration. Beyond the scheme, the endpoint must be a bare base URL:
 * the page's path and query are appended to it, so a query, fragment or credentials in it would
 * silently change every request.
 */
export function readYelbUiConfig(source: Env = process.env): YelbUiConfig {
  const config = readConfig(shape, source);
  const endpoint = config.YELB_APPSERVER_ENDPOINT;
  const extras = [
    endpoint.search && 'a query',
    endpoint.hash && 'a fragment',
    (endpoint.username || endpoint.password) && 'credentials',
  ].filter(Boolean);
  if (extras.length > 0) {
    throw new ConfigError([
      `YELB_APPSERVER_ENDPOINT=${JSON.stringify(source.YELB_APPSERVER_ENDPOINT)} is invalid (it has ${extras.join(' and ')}): ` +
        `expected a base URL such as ${DEFAULT_APPSERVER_ENDPOINT}`,
    ]);
  }
  return config;
}

/** The endpoint as people write it, for logs and error bodies (no trailing slash). */
export function describeEndpoint(endpoint: URL): string {
  return `${endpoint.origin}${endpoint.pathname.replace(/\/+$/, '')}`;
}
