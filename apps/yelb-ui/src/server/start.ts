import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHttpClient, createLogger, createMetrics, startService, type Env, type Logger, type RunningService } from '@amw/service-kit';
import { createYelbUiApp } from './app.js';
import { describeEndpoint } from './config.js';

/**
 * Where `vite build` puts the page: `dist/web`, two levels up from this file whether it runs
 * from `src/server` (tsx, tests) or `dist/server` (node).
 */
export const DEFAULT_STATIC_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/web');

/** Above this, a silent appserver gets a 504 rather than holding the browser's request open. */
const UPSTREAM_TIMEOUT_MS = 30_000;

export interface StartYelbUiOptions {
  port?: number;
  host?: string;
  appserverEndpoint: string | URL;
  staticDir?: string;
  logger?: Logger;
  /** Where HTTP_PROXY / NO_PROXY are read from; defaults to process.env. */
  env?: Env;
  upstreamTimeoutMs?: number;
  handleSignals?: boolean;
}

export async function startYelbUi(options: StartYelbUiOptions): Promise<RunningService> {
  const logger = options.logger ?? createLogger({ service: 'yelb-ui' });
  const appserverEndpoint = new URL(options.appserverEndpoint);
  const staticDir = options.staticDir ?? DEFAULT_STATIC_DIR;
  const httpClient = createHttpClient({ env: options.env ?? process.env, timeoutMs: options.upstreamTimeoutMs ?? UPSTREAM_TIMEOUT_MS });
  try {
    const app = await createYelbUiApp({ logger, metrics: createMetrics('yelb-ui'), staticDir, appserverEndpoint, httpClient });
    const service = await startService({
      name: 'yelb-ui',
      handler: app,
      port: options.port ?? 8080,
      ...(options.host ? { host: options.host } : {}),
      logger,
      handleSignals: options.handleSignals ?? true,
      onShutdown: () => httpClient.close(),
    });
    logger.info('serving the Yelb page', { staticDir, appserver: describeEndpoint(appserverEndpoint), url: service.url });
    return service;
  } catch (error) {
    await httpClient.close();
    throw error;
  }
}
