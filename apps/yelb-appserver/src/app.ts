/**
 * The Yelb HTTP API. Paths, field names, the order of votes, value types and which bodies are
 * plain text are the contract the UI relies on; see README.md for where we differ from the
 * original on purpose (unknown restaurants, OPTIONS, 405s).
 *
 * Two paths serve it. The Express app (built on service-kit) has every route, /ping, /metrics,
 * CORS preflight, 404s, 405s and error handling. In front of it, a fast path answers the exact
 * hot requests (`GET /api/getvotes`, `GET /api/ihop`, …) directly on Node's response: entering
 * Express costs more per request than the SQL behind a vote on a small machine (`pnpm bench`
 * measured the appserver at about a third of a bare server's throughput before this), so the
 * requests the UI makes skip it. Both paths write the same replies and the same metrics.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import { createMetrics, createServiceApp, jsonErrorHandler, jsonNotFound, type Logger, type ServiceMetrics } from '@amw/service-kit';
import type { PageviewCounter } from './pageviews.js';
import { CORS_HEADERS, errorReply, writeReply, type Reply } from './replies.js';
import { RESTAURANTS, isRestaurant } from './restaurants.js';
import { apiRoutes, type ApiRoute } from './routes.js';
import type { VotesStore } from './votes-store.js';

export interface AppserverDeps {
  votes: VotesStore;
  pageviews: PageviewCounter;
  /** What `/api/hostname` and getstats report (already `ApplicationVersion2` for v2). */
  hostname: string;
  logger: Logger;
  metrics?: ServiceMetrics;
}

/** A request listener (for `http.createServer`, `startService` or supertest) with its Express app. */
export type AppserverApp = RequestListener & { readonly express: Express };

export const ALLOWED_METHODS = 'GET, OPTIONS';

const cors: RequestHandler = (req, res, next) => {
  res.set(CORS_HEADERS);
  if (req.method === 'OPTIONS') {
    res.set('Allow', ALLOWED_METHODS).status(204).end();
    return;
  }
  next();
};

/**
 * Every route is a GET with side effects (votes, page views), so HEAD is refused too: a HEAD
 * that silently cast a vote would surprise anyone probing the API.
 */
const onlyGet: RequestHandler = (req, res, next) => {
  if (req.method === 'GET') {
    next();
    return;
  }
  res
    .status(405)
    .set('Allow', ALLOWED_METHODS)
    .json({ error: `method ${req.method} is not allowed on ${req.path}: use GET` });
};

const knownRestaurant: RequestHandler<{ restaurant: string }> = (req, res, next) => {
  if (isRestaurant(req.params.restaurant)) {
    next();
    return;
  }
  res.status(404).json({
    error: `unknown restaurant ${JSON.stringify(req.params.restaurant)}: vote for one of ${RESTAURANTS.join(', ')}`,
    restaurants: RESTAURANTS,
  });
};

function replyErrors(logger: Logger): ErrorRequestHandler {
  const fallback = jsonErrorHandler(logger);
  return (error, req, res, next) => {
    if (res.headersSent) {
      fallback(error, req, res, next);
      return;
    }
    writeReply(res, errorReply(error, logger, req.originalUrl));
  };
}

function expressApp(routes: Map<string, ApiRoute>, logger: Logger, metrics: ServiceMetrics): Express {
  const app = createServiceApp({ logger, metrics });
  // Case-sensitive like the original's Sinatra routes and like the fast path's exact lookup.
  const api = express.Router({ caseSensitive: true });
  api.use('/api', cors);
  const serve =
    (route: ApiRoute): RequestHandler =>
    async (_req, res) => {
      writeReply(res, await route.run());
    };
  for (const [path, route] of routes) {
    if (route.route === path) api.all(path, onlyGet, serve(route));
  }
  api.all('/api/:restaurant', knownRestaurant, onlyGet, async (req, res) => {
    // knownRestaurant let only the four names through, and each has its route.
    writeReply(res, await routes.get(`/api/${req.params.restaurant}`)!.run());
  });
  app.use(api);
  app.use(jsonNotFound);
  app.use(replyErrors(logger));
  return app;
}

export function createAppserverApp(deps: AppserverDeps): AppserverApp {
  const { logger } = deps;
  const metrics = deps.metrics ?? createMetrics('yelb-appserver', { defaultMetrics: false });
  const routes = apiRoutes(deps);
  const app = expressApp(routes, logger, metrics);

  // The same labels and log line service-kit's middleware produces for requests Express serves.
  const record = (req: IncomingMessage, route: string, status: number, started: bigint) => {
    const labels = { method: 'GET', route, status: String(status) };
    metrics.requests.inc(labels);
    metrics.duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    logger.debug('request', { method: 'GET', path: req.url, status });
  };

  const serveFast = async (req: IncomingMessage, res: ServerResponse, route: ApiRoute) => {
    const started = process.hrtime.bigint();
    let reply: Reply;
    try {
      reply = await route.run();
    } catch (error) {
      reply = errorReply(error, logger, req.url);
    }
    writeReply(res, reply);
    record(req, route.route, reply.status, started);
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'GET' && req.url) {
      const query = req.url.indexOf('?');
      const route = routes.get(query < 0 ? req.url : req.url.slice(0, query));
      if (route) {
        serveFast(req, res, route).catch((error: unknown) => {
          logger.error('cannot write the response', { path: req.url, error });
          res.destroy();
        });
        return;
      }
    }
    app(req, res);
  };
  return Object.assign(listener, { express: app });
}
