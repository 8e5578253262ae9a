/**
 * Starts a complete appserver: pools, schema, HTTP server. `main.ts` uses it for the process,
 * and other packages' tests (the UI, the local mesh) start real appservers with it.
 */
import { hostname as osHostname } from 'node:os';
import { createLogger, createMetrics, createTracing, startService, type Logger, type RunningService } from '@amw/service-kit';
import { createAppserverApp } from './app.js';
import { DEFAULT_PORT, type AppVersion } from './config.js';
import { createRedisPageviews } from './pageviews.js';
import { createPostgresVotes } from './votes-store.js';

export interface AppserverOptions {
  /** Defaults to 4567; 0 picks a free port. */
  port?: number;
  /** The address to listen on; defaults to every interface (0.0.0.0), as a container needs. */
  host?: string;
  databaseUrl: string;
  redisUrl: string;
  appVersion?: AppVersion;
  /** Defaults to `$HOSTNAME`, else the OS hostname. Ignored by v2, which always reports `ApplicationVersion2`. */
  hostname?: string;
  logger?: Logger;
  /** Install SIGTERM/SIGINT handlers that shut down and exit. Defaults to false (the process entry turns it on). */
  handleSignals?: boolean;
  /** Postgres connections; defaults to 10. */
  poolSize?: number;
  /** X-Ray: the daemon (host:port) and the name traces give the database. */
  tracing?: { daemonAddress: string; databaseName: string };
}

/** The canary demos tell v2 apart by this hostname, exactly as the original v2 image did. */
export const V2_HOSTNAME = 'ApplicationVersion2';

export function reportedHostname(appVersion: AppVersion, hostname: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (appVersion === 'v2') return V2_HOSTNAME;
  return hostname || env.HOSTNAME || osHostname();
}

/** How long start-up waits for Redis before listening anyway (page views answer 503 meanwhile). */
const REDIS_START_WAIT_MS = 2000;

export async function startAppserver(options: AppserverOptions): Promise<RunningService> {
  const logger = options.logger ?? createLogger({ service: 'yelb-appserver' });
  const appVersion = options.appVersion ?? 'v1';
  const tracing = createTracing(options.tracing?.daemonAddress);
  const votes = createPostgresVotes({
    databaseUrl: options.databaseUrl,
    logger,
    ...(options.poolSize ? { poolSize: options.poolSize } : {}),
    ...(options.tracing ? { tracing: { tracing, traceName: options.tracing.databaseName } } : {}),
  });
  const pageviews = createRedisPageviews({ redisUrl: options.redisUrl, logger });
  const closeDependencies = async () => {
    await Promise.all([votes.close(), pageviews.close()]);
  };

  try {
    // Neither outcome stops start-up: a missing dependency means 503s until it answers.
    await Promise.all([votes.start(), pageviews.firstConnection(REDIS_START_WAIT_MS)]);
    const app = createAppserverApp({
      votes,
      pageviews,
      hostname: reportedHostname(appVersion, options.hostname),
      logger,
      metrics: createMetrics('yelb-appserver'),
    });
    return await startService({
      name: 'yelb-appserver',
      // Each request runs inside the trace its Envoy started, so queries join it as spans.
      handler: options.tracing ? (req, res) => tracing.run(req.headers['x-amzn-trace-id'], () => app(req, res)) : app,
      port: options.port ?? DEFAULT_PORT,
      ...(options.host ? { host: options.host } : {}),
      logger,
      handleSignals: options.handleSignals ?? false,
      onShutdown: closeDependencies,
    });
  } catch (error) {
    await closeDependencies();
    throw error;
  }
}
