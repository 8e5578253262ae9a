/**
 * The DJ: in the original it only said it was on duty and the learner curled the backends from
 * its shell. `/jazz` and `/metal` make that curl an endpoint, so the canary split can be watched
 * from inside the mesh with nothing but a browser or curl.
 */
import type { Express, RequestHandler } from 'express';
import {
  createServiceApp,
  jsonErrorHandler,
  jsonNotFound,
  type HttpClient,
  type Logger,
  type ServiceMetrics,
} from '@amw/service-kit';
import { UpstreamFailure, callUpstream, type Upstream } from './upstream.js';

export const GREETING = 'DJ Reporting for duty!';

export interface DjDeps {
  logger: Logger;
  metrics: ServiceMetrics;
  client: HttpClient;
  upstreams: { jazz: URL; metal: URL };
  timeoutMs: number;
}

const onlyGet: RequestHandler = (req, res) => {
  res.status(405).set('allow', 'GET, HEAD').json({ error: `method ${req.method} not allowed on ${req.path}; use GET` });
};

export function createDjApp({ logger, metrics, client, upstreams, timeoutMs }: DjDeps): Express {
  const app = createServiceApp({ logger, metrics });

  app.get('/', (_req, res) => {
    res.status(200).type('text/plain').send(GREETING);
  });

  const relay =
    (upstream: Upstream): RequestHandler =>
    async (_req, res) => {
      try {
        const answer = await callUpstream(client, upstream, timeoutMs);
        logger.info('relayed', { upstream: upstream.name, url: upstream.url.href, status: answer.status });
        // Verbatim: Express's res.type() would append a charset the backend never sent.
        if (answer.contentType) res.setHeader('content-type', answer.contentType);
        res.status(answer.status).send(answer.body);
      } catch (error) {
        if (!(error instanceof UpstreamFailure)) throw error;
        logger.warn('upstream failed', { upstream: upstream.name, url: upstream.url.href, status: error.status, error: error.message });
        res.status(error.status).json({ error: error.message, upstream: upstream.name });
      }
    };
  app.get('/jazz', relay({ name: 'jazz', url: upstreams.jazz }));
  app.get('/metal', relay({ name: 'metal', url: upstreams.metal }));

  app.all(['/', '/jazz', '/metal'], onlyGet);
  app.use(jsonNotFound);
  app.use(jsonErrorHandler(logger));
  return app;
}
