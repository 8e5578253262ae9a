/**
 * Responses written straight onto Node's ServerResponse. Both the fast path and the Express
 * routes use these, so an answer looks the same whichever path served it.
 */
import type { ServerResponse } from 'node:http';
import type { Logger } from '@amw/service-kit';
import { DependencyUnavailableError } from './dependency.js';

/** The headers the original sent on every GET; kept so browsers and proxies see the same. */
export const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'Authorization,Accepts,Content-Type,X-CSRF-Token,X-Requested-With',
  'Access-Control-Allow-Methods': 'GET,POST,PUT,DELETE,OPTIONS',
} as const;

export const JSON_TYPE = 'application/json; charset=utf-8';
export const TEXT_TYPE = 'text/plain; charset=utf-8';

export interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export const jsonReply = (value: unknown, status = 200, headers?: Record<string, string>): Reply => ({
  status,
  contentType: JSON_TYPE,
  body: JSON.stringify(value),
  ...(headers ? { headers } : {}),
});

export const textReply = (text: string): Reply => ({ status: 200, contentType: TEXT_TYPE, body: text });

export function writeReply(res: ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, {
    ...CORS_HEADERS,
    ...reply.headers,
    'Content-Type': reply.contentType,
    'Content-Length': String(Buffer.byteLength(reply.body)),
  });
  res.end(reply.body);
}

/** 503 naming the dependency when one is down; anything else is a bug: log it, answer 500. */
export function errorReply(error: unknown, logger: Logger, path: string | undefined): Reply {
  if (error instanceof DependencyUnavailableError) {
    return jsonReply({ error: error.message, dependency: error.dependency }, 503, { 'Retry-After': '1' });
  }
  logger.error('unhandled error', { path, error });
  return jsonReply({ error: 'internal error' }, 500);
}
