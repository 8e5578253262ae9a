/**
 * HTTP/1.x message heads: parsing and serialising. The proxies work on raw sockets rather than
 * node:http because a proxy hop must cost less than the app it fronts (see the benchmark): they
 * parse only the head, keep headers as a flat list in wire order, and pass bodies through.
 */

export class HttpParseError extends Error {
  constructor(
    message: string,
    /** The status a server answers with: 400, 413, 431, 501 or 505. */
    readonly status: number,
  ) {
    super(message);
    this.name = 'HttpParseError';
  }
}

/** Flat `[name, value, name, value, …]` in wire order; names keep their case. */
export type HeaderList = string[];

export type BodyFraming =
  | { kind: 'none' }
  | { kind: 'length'; length: number }
  | { kind: 'chunked' }
  /** Response body that ends when the upstream closes the connection. */
  | { kind: 'close' };

export interface RequestHead {
  method: string;
  /** Request target as received: origin-form, absolute-form (from HTTP_PROXY clients) or authority-form (CONNECT). */
  target: string;
  /** `1.0` or `1.1`. */
  version: string;
  headers: HeaderList;
  /** Origin-form path and query, whatever form the target had. */
  path: string;
  /** Host from an absolute-form target, else the Host header; empty when neither exists. */
  authority: string;
  keepAlive: boolean;
  framing: BodyFraming;
}

export interface ResponseHead {
  version: string;
  status: number;
  reason: string;
  headers: HeaderList;
  keepAlive: boolean;
  framing: BodyFraming;
}

export const MAX_HEAD_BYTES = 60 * 1024;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function getHeader(headers: HeaderList, lowerName: string): string | undefined {
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i]!.length === lowerName.length && headers[i]!.toLowerCase() === lowerName) return headers[i + 1];
  }
  return undefined;
}

/** All values of a header, for repeated ones. */
export function getHeaderValues(headers: HeaderList, lowerName: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i]!.toLowerCase() === lowerName) values.push(headers[i + 1]!);
  }
  return values;
}

function parseHeaderLines(lines: string[], start: number): HeaderList {
  const headers: HeaderList = [];
  for (let i = start; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.length === 0) continue;
    if (line.charCodeAt(0) === 32 || line.charCodeAt(0) === 9) {
      throw new HttpParseError('obsolete header line folding is not accepted', 400);
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new HttpParseError(`malformed header line: ${JSON.stringify(line.slice(0, 80))}`, 400);
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) throw new HttpParseError(`invalid header name: ${JSON.stringify(name)}`, 400);
    headers.push(name, line.slice(colon + 1).trim());
  }
  return headers;
}

function connectionTokens(headers: HeaderList): string[] {
  const tokens: string[] = [];
  for (const value of getHeaderValues(headers, 'connection')) {
    for (const token of value.split(',')) tokens.push(token.trim().toLowerCase());
  }
  return tokens;
}

function wantsKeepAlive(version: string, headers: HeaderList): boolean {
  const tokens = connectionTokens(headers);
  if (tokens.includes('close')) return false;
  return version === '1.1' || tokens.includes('keep-alive');
}

/** RFC 9112 §6.3 message body length, for requests. */
function requestFraming(headers: HeaderList): BodyFraming {
  const te = getHeaderValues(headers, 'transfer-encoding');
  const cl = getHeaderValues(headers, 'content-length');
  if (te.length > 0) {
    if (cl.length > 0) throw new HttpParseError('both Transfer-Encoding and Content-Length are present', 400);
    const codings = te.join(',').split(',').map((c) => c.trim().toLowerCase());
    if (codings.at(-1) !== 'chunked') throw new HttpParseError('a request Transfer-Encoding must end with chunked', 400);
    if (codings.length > 1) throw new HttpParseError(`unsupported transfer coding: ${codings.join(', ')}`, 501);
    return { kind: 'chunked' };
  }
  if (cl.length > 0) return { kind: 'length', length: parseContentLength(cl) };
  return { kind: 'none' };
}

function parseContentLength(values: string[]): number {
  const all = values.join(',').split(',').map((v) => v.trim());
  if (!all.every((v) => v === all[0]) || !/^\d{1,15}$/.test(all[0]!)) {
    throw new HttpParseError(`invalid Content-Length: ${values.join(', ')}`, 400);
  }
  return Number(all[0]);
}

function splitTarget(method: string, target: string, headers: HeaderList): { path: string; authority: string } {
  const host = getHeader(headers, 'host') ?? '';
  if (method === 'CONNECT') return { path: '', authority: target };
  if (target.charCodeAt(0) === 47 /* / */) return { path: target, authority: host };
  if (target === '*') return { path: '*', authority: host };
  const scheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.exec(target);
  if (scheme) {
    const rest = target.slice(scheme[0].length);
    const slash = rest.search(/[/?]/);
    const authority = slash < 0 ? rest : rest.slice(0, slash);
    const path = slash < 0 ? '/' : rest[slash] === '?' ? `/${rest.slice(slash)}` : rest.slice(slash);
    return { path, authority: authority.replace(/^[^@]*@/, '') };
  }
  throw new HttpParseError(`invalid request target: ${JSON.stringify(target.slice(0, 80))}`, 400);
}

/** Parses a request head given its bytes without the final CRLFCRLF. */
export function parseRequestHead(text: string): RequestHead {
  const lines = text.split('\r\n');
  const requestLine = lines[0]!;
  const first = requestLine.indexOf(' ');
  const last = requestLine.lastIndexOf(' ');
  if (first <= 0 || last === first) throw new HttpParseError(`malformed request line: ${JSON.stringify(requestLine.slice(0, 80))}`, 400);
  const method = requestLine.slice(0, first);
  const target = requestLine.slice(first + 1, last);
  const protocol = requestLine.slice(last + 1);
  if (!TOKEN.test(method)) throw new HttpParseError(`invalid method: ${JSON.stringify(method)}`, 400);
  if (protocol !== 'HTTP/1.1' && protocol !== 'HTTP/1.0') {
    throw new HttpParseError(`unsupported protocol ${JSON.stringify(protocol)}`, protocol.startsWith('HTTP/') ? 505 : 400);
  }
  if (target.length === 0 || target.includes(' ')) throw new HttpParseError('invalid request target', 400);
  const version = protocol.slice(5);
  const headers = parseHeaderLines(lines, 1);
  const { path, authority } = splitTarget(method, target, headers);
  return {
    method,
    target,
    version,
    headers,
    path,
    authority,
    keepAlive: wantsKeepAlive(version, headers),
    framing: method === 'CONNECT' ? { kind: 'none' } : requestFraming(headers),
  };
}

/** Parses a response head; `requestMethod` decides whether a body can follow (HEAD, CONNECT). */
export function parseResponseHead(text: string, requestMethod: string): ResponseHead {
  const lines = text.split('\r\n');
  const statusLine = lines[0]!;
  const match = /^HTTP\/(1\.[01]) (\d{3})(?: (.*))?$/.exec(statusLine);
  if (!match) throw new HttpParseError(`malformed status line: ${JSON.stringify(statusLine.slice(0, 80))}`, 502);
  const version = match[1]!;
  const status = Number(match[2]);
  const headers = parseHeaderLines(lines, 1);
  let framing: BodyFraming;
  if (requestMethod === 'HEAD' || status < 200 || status === 204 || status === 304) framing = { kind: 'none' };
  else if (requestMethod === 'CONNECT' && status >= 200 && status < 300) framing = { kind: 'none' };
  else {
    const te = getHeaderValues(headers, 'transfer-encoding');
    if (te.length > 0) {
      framing = te.join(',').trim().toLowerCase().endsWith('chunked') ? { kind: 'chunked' } : { kind: 'close' };
    } else {
      const cl = getHeaderValues(headers, 'content-length');
      framing = cl.length > 0 ? { kind: 'length', length: parseContentLength(cl) } : { kind: 'close' };
    }
  }
  return {
    version,
    status,
    reason: match[3] ?? '',
    headers,
    keepAlive: framing.kind !== 'close' && wantsKeepAlive(version, headers),
    framing,
  };
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'proxy-authorization']);

/**
 * Headers a proxy must not forward (RFC 9110 §7.6.1), including any the Connection header names.
 * `transfer-encoding` is kept: bodies pass through with their framing unchanged.
 */
export function withoutHopByHop(headers: HeaderList): HeaderList {
  const named = connectionTokens(headers);
  const kept: HeaderList = [];
  for (let i = 0; i < headers.length; i += 2) {
    const lower = headers[i]!.toLowerCase();
    if (HOP_BY_HOP.has(lower) || named.includes(lower)) continue;
    kept.push(headers[i]!, headers[i + 1]!);
  }
  return kept;
}

/** Replaces (or adds) a header in place, case-insensitively. */
export function setHeader(headers: HeaderList, name: string, value: string): void {
  const lower = name.toLowerCase();
  let found = false;
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i]!.toLowerCase() === lower) {
      if (found) {
        headers.splice(i, 2);
        i -= 2;
      } else {
        headers[i + 1] = value;
        found = true;
      }
    }
  }
  if (!found) headers.push(name, value);
}

export function removeHeader(headers: HeaderList, lowerName: string): void {
  for (let i = headers.length - 2; i >= 0; i -= 2) {
    if (headers[i]!.toLowerCase() === lowerName) headers.splice(i, 2);
  }
}

function serialiseHeaders(headers: HeaderList): string {
  let out = '';
  for (let i = 0; i < headers.length; i += 2) out += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return out;
}

export function serialiseRequestHead(method: string, path: string, headers: HeaderList): Buffer {
  return Buffer.from(`${method} ${path} HTTP/1.1\r\n${serialiseHeaders(headers)}\r\n`, 'latin1');
}

export function serialiseResponseHead(status: number, reason: string, headers: HeaderList): Buffer {
  return Buffer.from(`HTTP/1.1 ${status} ${reason || STATUS_TEXT[status] || ''}\r\n${serialiseHeaders(headers)}\r\n`, 'latin1');
}

export const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  301: 'Moved Permanently',
  302: 'Found',
  304: 'Not Modified',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
};
