/**
 * One jazz or metal backend: every GET answers the artist list, whatever the path, because
 * the mesh and the Kong ingress forward paths as they please and the original answered them all.
 */
import type { Express } from 'express';
import { createServiceApp, jsonErrorHandler, type Logger, type ServiceMetrics } from '@amw/service-kit';
import { artistListBody, type Genre, type Version } from './catalogue.js';

const ANY_PATH = /.*/;

export interface MusicDeps {
  genre: Genre;
  version: Version;
  logger: Logger;
  metrics: ServiceMetrics;
}

export function createMusicApp({ genre, version, logger, metrics }: MusicDeps): Express {
  const app = createServiceApp({ logger, metrics });
  const body = artistListBody(genre, version);

  // A RegExp route matches every path without decoding it into a parameter, so even a malformed
  // percent-escape gets the list rather than an Express 400.
  app.get(ANY_PATH, (req, res) => {
    logger.debug('artists requested', { path: req.originalUrl });
    res.status(200).type('application/json').send(body);
  });
  app.all(ANY_PATH, (req, res) => {
    res.status(405).set('allow', 'GET, HEAD').json({ error: `method ${req.method} not allowed: ${genre} only answers GET` });
  });
  app.use(jsonErrorHandler(logger));
  return app;
}
