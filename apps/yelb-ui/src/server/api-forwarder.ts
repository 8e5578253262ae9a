/**
 * Forwards `/api/*` to the appserver, as the original image's nginx did with
 * `proxy_pass $YELB_APPSERVER_ENDPOINT/api; proxy_http_version 1.1;`. Requests go through the
 * service-kit client, so with HTTP_PROXY set the local mesh's sidecar receives each one in
 * absolute form, just as Envoy receives what iptables hands it in a pod.
 *
 * Bodies stream both ways; nothing is buffered or rewritten, so what the appserver says
 * (including its own 503s) reaches the page unchanged.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { HttpClient, Logger } from '@amw/service-kit';
import type { Request, RequestHandler } from 'express';
import { describeEndpoint } from './config.js';

/** Headers that describe one connection, not the message (RFC 9110 §7.6.1), plus ones undici sets itself. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
]);
/** `host` becomes the appserver's (a mesh routes on it); undici refuses `expect`. */
const NOT_FORWARDED_UPSTREAM = new Set(['host', 'expect']);

type HeaderValue = string | string[] | undefined;

function withoutHopByHop(headers: Record<string, HeaderValue>, alsoDrop: ReadonlySet<string> = new Set()): Record<string, string | string[]> {
  const named = String(headers.connection ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || HOP_BY_HOP.has(lower) || alsoDrop.has(lower) || named.includes(lower)) continue;
    out[lower] = value;
  }
  return out;
}

function requestHeaders(req: Request): Record<string, string | string[]> {
  const headers = withoutHopByHop(req.headers as IncomingHttpHeaders, NOT_FORWARDED_UPSTREAM);
  const client = req.socket.remoteAddress;
  if (client) headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${String(headers['x-forwarded-for'])}, ${client}` : client;
  headers['x-forwarded-proto'] ??= 'http';
  if (req.headers.host) headers['x-forwarded-host'] ??= req.headers.host;
  return headers;
}

function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/** undici puts the system error on the error itself or on its cause. */
function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function failureStatus(code: string | undefined): { status: number; error: string } {
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return { status: 504, error: `the Yelb app server did not answer in time (${code})` };
  }
  return { status: 502, error: `cannot reach the Yelb app server${code ? ` (${code})` : ''}` };
}

export interface ApiForwarderOptions {
  endpoint: URL;
  client: HttpClient;
  logger: Logger;
}

export function createApiForwarder({ endpoint, client, logger }: ApiForwarderOptions): RequestHandler {
  const upstream = describeEndpoint(endpoint);
  const basePath = endpoint.pathname.replace(/\/+$/, '');

  return async (req, res) => {
    // Stop the upstream call when the browser goes away; its answer would have nowhere to go.
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });

    let answer;
    try {
      answer = await client.dispatcher.request({
        origin: endpoint.origin,
        path: basePath + req.url,
        method: req.method as 'GET',
        headers: requestHeaders(req),
        body: hasBody(req) ? req : null,
        signal: abort.signal,
      });
    } catch (error) {
      if (abort.signal.aborted) return;
      const code = errorCode(error);
      const { status, error: message } = failureStatus(code);
      logger.warn('appserver request failed', { method: req.method, path: req.url, upstream, code, error });
      if (!res.headersSent) res.status(status).json({ error: message, upstream });
      return;
    }

    res.writeHead(answer.statusCode, withoutHopByHop(answer.headers));
    try {
      await pipeline(answer.body, res);
    } catch (error) {
      if (!abort.signal.aborted) logger.warn('appserver response cut short', { path: req.url, upstream, error });
      res.destroy();
    }
  };
}
