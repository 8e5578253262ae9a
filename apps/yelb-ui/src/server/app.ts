/**
 * The yelb-ui server: service-kit's /ping and /metrics, `/api/*` forwarded to the appserver,
 * everything else from the built page.
 */
import { createServiceApp, jsonErrorHandler, type HttpClient, type Logger, type ServiceMetrics } from '@amw/service-kit';
import type { Express, RequestHandler } from 'express';
import { createApiForwarder } from './api-forwarder.js';
import { createStaticSite } from './static-files.js';

export interface YelbUiAppOptions {
  logger: Logger;
  metrics: ServiceMetrics;
  /** Folder holding the built page (index.html and assets/). */
  staticDir: string;
  /** Base URL of yelb-appserver; the request's path and query are appended to it. */
  appserverEndpoint: URL;
  /** How the appserver is called: service-kit's client, so HTTP_PROXY is honoured. */
  httpClient: HttpClient;
}

/**
 * The original page built its URLs as `location.href + '/api/…'`, so at the site root it asked
 * for `//api/getvotes`; nginx merged the slashes. Copies of that page still exist, so do the same.
 */
const mergeSlashes: RequestHandler = (req, _res, next) => {
  const queryAt = req.url.indexOf('?');
  const path = queryAt < 0 ? req.url : req.url.slice(0, queryAt);
  if (path.includes('//')) req.url = path.replace(/\/{2,}/g, '/') + (queryAt < 0 ? '' : req.url.slice(queryAt));
  next();
};

const methodNotAllowed: RequestHandler = (req, res) => {
  res.setHeader('Allow', 'GET, HEAD');
  res.status(405).json({ error: `method ${req.method} not allowed: only GET and HEAD are served outside /api`, path: req.path });
};

export async function createYelbUiApp(options: YelbUiAppOptions): Promise<Express> {
  const site = await createStaticSite(options.staticDir);
  const app = createServiceApp({ logger: options.logger, metrics: options.metrics });
  app.use(mergeSlashes);
  app.all(['/api', '/api/{*rest}'], createApiForwarder({ endpoint: options.appserverEndpoint, client: options.httpClient, logger: options.logger }));
  app.use(site.handler);
  app.use(methodNotAllowed);
  app.use(jsonErrorHandler(options.logger));
  return app;
}
