/**
 * Two listeners. The main one keeps the original ColorTeller contract exactly: `GET /ping` is
 * the health check and every other request, whatever its method or path, gets the colour. The
 * control one (opt-in) is where a walkthrough switches faults on and off, so the main port never
 * grows an endpoint that could shadow a path the mesh routes; it answers only callers that send
 * its token.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import {
  ROUTE_LABEL,
  createServiceApp,
  requestMetrics,
  jsonErrorHandler,
  jsonNotFound,
  type Logger,
  type ServiceMetrics,
} from '@amw/service-kit';
import { FaultInputError, describeFault, parseFault, type FaultSwitch } from './fault.js';

export interface ColortellerDeps {
  color: string;
  logger: Logger;
  metrics: ServiceMetrics;
  faults: FaultSwitch;
}

export const FAULT_BODY = 'fault injected';

function faultGate(faults: FaultSwitch, isPing: boolean): RequestHandler {
  return (_req, res, next) => {
    const fault = faults.draw(isPing);
    if (!fault) {
      next();
      return;
    }
    const answer = () => {
      if (fault.status === undefined) next();
      else res.status(fault.status).type('text/plain').send(FAULT_BODY);
    };
    if (fault.delayMs === 0) {
      answer();
      return;
    }
    const timer = setTimeout(answer, fault.delayMs);
    // A client that gave up (a mesh timeout, say) must not leave a timer behind.
    res.on('close', () => clearTimeout(timer));
  };
}

export function createColortellerApp({ color, logger, metrics, faults }: ColortellerDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Like the original's ServeMux: `/PING` and `/ping/` are ordinary paths that get the colour.
  app.set('case sensitive routing', true);
  app.set('strict routing', true);
  app.use(requestMetrics(metrics, logger));

  app.get('/ping', faultGate(faults, true), (_req, res) => {
    logger.debug('ping requested, responding with 200');
    res.status(200).end();
  });
  // Middleware rather than a wildcard route: it never decodes the path, so even a malformed
  // percent-escape gets the colour instead of an Express 400.
  const labelCatchAll: RequestHandler = (_req, res, next) => {
    res.locals[ROUTE_LABEL] = '*';
    next();
  };
  app.use(labelCatchAll, faultGate(faults, false), (req, res) => {
    logger.info('color requested', { method: req.method, path: req.originalUrl, color });
    res.status(200).type('text/plain').send(color);
  });
  return app;
}

export interface ControlDeps {
  logger: Logger;
  metrics: ServiceMetrics;
  faults: FaultSwitch;
  /** Every request must carry it as `Authorization: Bearer <token>` (`CONTROL_TOKEN`). */
  token: string;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Refuses, with 401 and before any route runs, a request without this instance's token. Both
 * sides are hashed first, so the comparison takes the same time whatever the token's length or
 * how much of it a guess gets right.
 */
function requireToken(token: string, logger: Logger): RequestHandler {
  const expected = digest(token);
  return (req, res, next) => {
    const header = req.get('authorization');
    const bearer = header === undefined ? undefined : /^Bearer +([\x21-\x7e]+) *$/i.exec(header)?.[1];
    if (bearer !== undefined && timingSafeEqual(digest(bearer), expected)) {
      next();
      return;
    }
    const [reason, error, challenge] =
      header === undefined
        ? ['no token', 'this port needs the instance’s token: send "Authorization: Bearer <CONTROL_TOKEN>"', 'Bearer realm="colorteller-control"']
        : bearer === undefined
          ? ['not a bearer token', 'the Authorization header must be "Bearer <CONTROL_TOKEN>"', 'Bearer realm="colorteller-control", error="invalid_request"']
          : ['wrong token', 'the bearer token is not this instance’s CONTROL_TOKEN', 'Bearer realm="colorteller-control", error="invalid_token"'];
    // What was sent is never logged nor echoed: a near miss would leak most of the secret.
    logger.warn('control request refused', { reason, method: req.method, path: req.path });
    res.status(401).set('www-authenticate', challenge).json({ error });
  };
}

const methodNotAllowed =
  (allow: string): RequestHandler =>
  (req, res) => {
    res.status(405).set('allow', allow).json({ error: `method ${req.method} not allowed on ${req.path}; use ${allow}` });
  };

/** Body-parser failures (too large, bad charset) are the client's fault, not a 500. */
const clientBodyErrors: ErrorRequestHandler = (error: { status?: unknown; message?: string }, _req, res, next) => {
  if (typeof error.status === 'number' && error.status >= 400 && error.status < 500) {
    res.status(error.status).json({ error: error.message ?? 'bad request body' });
    return;
  }
  next(error);
};

function readJsonBody(raw: unknown): unknown {
  // curl -d sends form content type; accept JSON whatever the header says, and no body as {}.
  const text = typeof raw === 'string' ? raw.trim() : '';
  if (text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new FaultInputError('the body is not valid JSON; send e.g. {"status": 503, "rate": 0.5}');
  }
}

export function createControlApp({ logger, metrics, faults, token }: ControlDeps): Express {
  // The check wraps the whole service app, `/ping` and `/metrics` included: nothing on this port is public.
  const guarded = express();
  guarded.disable('x-powered-by');
  guarded.set('etag', false);
  guarded.use(requireToken(token, logger));
  const app = createServiceApp({ logger, metrics });
  guarded.use(app);

  app.get('/fault', (_req, res) => {
    res.json(describeFault(faults.current));
  });
  app.post('/fault', express.text({ type: () => true, limit: '16kb' }), (req, res) => {
    let fault;
    try {
      fault = parseFault(readJsonBody(req.body));
    } catch (error) {
      if (!(error instanceof FaultInputError)) throw error;
      res.status(400).json({ error: error.message });
      return;
    }
    faults.set(fault);
    logger.warn('fault injected', describeFault(fault));
    res.json(describeFault(fault));
  });
  app.post('/recover', (_req, res) => {
    if (faults.current) logger.warn('fault cleared');
    faults.clear();
    res.json(describeFault(undefined));
  });
  app.all('/fault', methodNotAllowed('GET, POST'));
  app.all('/recover', methodNotAllowed('POST'));

  app.use(jsonNotFound);
  app.use(clientBodyErrors);
  app.use(jsonErrorHandler(logger));
  return guarded;
}
