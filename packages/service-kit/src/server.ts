/**
 * The HTTP skeleton every service stands on: an Express app with `/ping` and `/metrics`, and a
 * server that shuts down the way Kubernetes and ECS expect on SIGTERM: stop accepting, let
 * in-flight requests finish, close keep-alive connections, then close pools.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { isIPv6, type AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import { DEFAULT_BIND_ADDRESS } from './config.js';
import type { Logger } from './logger.js';
import type { ServiceMetrics } from './metrics.js';

export interface ServiceAppOptions {
  logger: Logger;
  metrics: ServiceMetrics;
}

/** Handlers that answer outside an Express route can name their metrics label here. */
export const ROUTE_LABEL = 'routeLabel';

/**
 * Counts and times every request by route template (never the raw path, so label cardinality
 * stays bounded whatever clients send), and logs it at debug level.
 */
export function requestMetrics(metrics: ServiceMetrics, logger?: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const route =
        (req.route?.path as string | undefined) ?? (res.locals[ROUTE_LABEL] as string | undefined) ?? 'unmatched';
      const labels = { method: req.method, route, status: String(res.statusCode) };
      metrics.requests.inc(labels);
      metrics.duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
      logger?.debug('request', { method: req.method, path: req.originalUrl, status: res.statusCode });
    });
    next();
  };
}

/** An Express app with request metrics, `/ping` and `/metrics` already mounted. */
export function createServiceApp({ logger, metrics }: ServiceAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestMetrics(metrics, logger));

  app.get('/ping', (_req, res) => {
    res.status(200).end();
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return app;
}

/** 404 as JSON, for services whose clients parse every answer. */
export const jsonNotFound: RequestHandler = (req, res) => {
  res.status(404).json({ error: 'not found', path: req.path });
};

/** Last-resort error handler: log it, answer 500 JSON, never leak a stack trace. */
export function jsonErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    logger.error('unhandled error', { path: req.originalUrl, error });
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(500).json({ error: 'internal error' });
  };
}

export interface StartOptions {
  name: string;
  handler: RequestListener;
  port: number;
  /** The address to listen on; defaults to every interface (`DEFAULT_BIND_ADDRESS`), as a container needs. */
  host?: string;
  logger: Logger;
  /** Runs after the last in-flight request has finished: close pools and clients here. */
  onShutdown?: () => Promise<void> | void;
  /** Give up waiting for in-flight requests after this long. */
  shutdownTimeoutMs?: number;
  /** Install SIGTERM/SIGINT handlers that shut down and exit (the default outside tests). */
  handleSignals?: boolean;
}

export interface RunningService {
  readonly server: Server;
  readonly port: number;
  readonly url: string;
  /** Graceful shutdown; resolves once connections and pools are closed. Idempotent. */
  shutdown(reason?: string): Promise<void>;
}

export async function startService(options: StartOptions): Promise<RunningService> {
  const { logger, handler } = options;
  let shuttingDown = false;
  const inFlight = new Set<ServerResponse>();
  // A keep-alive client must not send its next request to a server that is going away.
  const announceClose = (res: ServerResponse) => {
    if (!res.headersSent) res.setHeader('connection', 'close');
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (shuttingDown) announceClose(res);
    inFlight.add(res);
    res.on('close', () => {
      inFlight.delete(res);
      if (shuttingDown) setImmediate(() => server.closeIdleConnections());
    });
    handler(req, res);
  });
  server.keepAliveTimeout = 65_000; // longer than the proxies' idle timeouts in front of us

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? DEFAULT_BIND_ADDRESS, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port, address } = server.address() as AddressInfo;
  logger.info('listening', { address, port });

  let closing: Promise<void> | undefined;
  const shutdown = (reason = 'shutdown requested') => {
    closing ??= (async () => {
      shuttingDown = true;
      logger.info('shutting down', { reason, inFlight: inFlight.size });
      inFlight.forEach(announceClose);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timeoutMs = options.shutdownTimeoutMs ?? 10_000;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      if ((await Promise.race([closed, timedOut])) === 'timeout') {
        logger.warn('in-flight requests did not finish in time; closing their connections', { timeoutMs });
        server.closeAllConnections();
        await closed;
      }
      clearTimeout(timer);
      await options.onShutdown?.();
      logger.info('stopped');
    })();
    return closing;
  };

  if (options.handleSignals ?? true) {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        shutdown(signal).then(
          () => process.exit(0),
          (error: unknown) => {
            logger.error('shutdown failed', { error });
            process.exit(1);
          },
        );
      });
    }
  }

  return { server, port, url: `http://${urlHost(address)}:${port}`, shutdown };
}

/** Where this machine reaches a server listening on `address`: a wildcard (`::` is dual-stack in Node) on IPv4 loopback. */
function urlHost(address: string): string {
  if (address === '0.0.0.0' || address === '::') return '127.0.0.1';
  return isIPv6(address) ? `[${address}]` : address;
}
