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

/** RFC 9110 token characters, by char code (a table beats a regular expression per header name). */
const TOKEN_CHARS = (() => {
  const table = new Uint8Array(128);
  for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") table[c.charCodeAt(0)] = 1;
  return table;
})();

function isToken(text: string, start = 0, end = text.length): boolean {
  if (end <= start) return false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c > 127 || TOKEN_CHARS[c] === 0) return false;
  }
  return true;
}

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
    if (headers[i]!.length === lowerName.length && headers[i]!.toLowerCase() === lowerName) values.push(headers[i + 1]!);
  }
  return values;
}

/** What the parser notes while it reads header lines, so nothing walks the list again for them. */
class FramingHeaders {
  connection: string[] | undefined = undefined;
  transferEncoding: string[] | undefined = undefined;
  contentLength: string[] | undefined = undefined;
  host: string | undefined = undefined;

  /** Names are lower-cased only when their length says they might be one of ours. */
  note(name: string, value: string): void {
    switch (name.length) {
      case 4:
        if (this.host === undefined && name.toLowerCase() === 'host') this.host = value;
        break;
      case 10:
        if (name.toLowerCase() === 'connection') (this.connection ??= []).push(value);
        break;
      case 14:
        if (name.toLowerCase() === 'content-length') (this.contentLength ??= []).push(value);
        break;
      case 17:
        if (name.toLowerCase() === 'transfer-encoding') (this.transferEncoding ??= []).push(value);
        break;
    }
  }
}

/** Header lines from `start` (just after the start line's CRLF) to the end of `text`. */
function parseHeaderLines(text: string, start: number, seen: FramingHeaders): HeaderList {
  const headers: HeaderList = [];
  let pos = start;
  while (pos < text.length) {
    let end = text.indexOf('\r\n', pos);
    if (end < 0) end = text.length;
    if (end > pos) {
      const first = text.charCodeAt(pos);
      if (first === 32 || first === 9) throw new HttpParseError('obsolete header line folding is not accepted', 400);
      const colon = text.indexOf(':', pos);
      if (colon <= pos || colon >= end) {
        throw new HttpParseError(`malformed header line: ${JSON.stringify(text.slice(pos, Math.min(end, pos + 80)))}`, 400);
      }
      const name = text.slice(pos, colon);
      if (!isToken(name)) throw new HttpParseError(`invalid header name: ${JSON.stringify(name)}`, 400);
      const value = text.slice(colon + 1, end).trim();
      headers.push(name, value);
      seen.note(name, value);
    }
    pos = end + 2;
  }
  return headers;
}

function tokensOf(values: readonly string[] | undefined): string[] {
  const tokens: string[] = [];
  if (values === undefined) return tokens;
  for (const value of values) {
    for (const token of value.split(',')) tokens.push(token.trim().toLowerCase());
  }
  return tokens;
}

function wantsKeepAlive(version: string, connection: readonly string[] | undefined): boolean {
  if (connection === undefined) return version === '1.1';
  const tokens = tokensOf(connection);
  if (tokens.includes('close')) return false;
  return version === '1.1' || tokens.includes('keep-alive');
}

/** RFC 9112 §6.3 message body length, for requests. */
function requestFraming(seen: FramingHeaders): BodyFraming {
  const te = seen.transferEncoding;
  const cl = seen.contentLength;
  if (te !== undefined) {
    if (cl !== undefined) throw new HttpParseError('both Transfer-Encoding and Content-Length are present', 400);
    const codings = te.join(',').split(',').map((c) => c.trim().toLowerCase());
    if (codings.at(-1) !== 'chunked') throw new HttpParseError('a request Transfer-Encoding must end with chunked', 400);
    if (codings.length > 1) throw new HttpParseError(`unsupported transfer coding: ${codings.join(', ')}`, 501);
    return CHUNKED;
  }
  if (cl !== undefined) return { kind: 'length', length: parseContentLength(cl) };
  return NO_BODY;
}

/** Shared framing objects for the common cases; nothing mutates a framing. */
const NO_BODY: BodyFraming = Object.freeze({ kind: 'none' });
const CHUNKED: BodyFraming = Object.freeze({ kind: 'chunked' });
const CLOSE_DELIMITED: BodyFraming = Object.freeze({ kind: 'close' });

function parseContentLength(values: string[]): number {
  if (values.length === 1 && values[0]!.indexOf(',') < 0) {
    const only = values[0]!;
    if (only.length > 0 && only.length <= 15 && isDigits(only)) return Number(only);
    throw new HttpParseError(`invalid Content-Length: ${values.join(', ')}`, 400);
  }
  const all = values.join(',').split(',').map((v) => v.trim());
  if (!all.every((v) => v === all[0]) || !/^\d{1,15}$/.test(all[0]!)) {
    throw new HttpParseError(`invalid Content-Length: ${values.join(', ')}`, 400);
  }
  return Number(all[0]);
}

function isDigits(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function splitTarget(method: string, target: string, host: string): { path: string; authority: string } {
  if (method === 'CONNECT') return { path: '', authority: target };
  if (target.charCodeAt(0) === 47 /* / */) return { path: target, authority: host };
  if (target === '*') return { path: '*', authority: host };
  const scheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.exec(target);
  if (scheme) {
    const rest = target.slice(scheme[0].length);
    const slash = rest.search(/[/?]/);
    const authority = slash < 0 ? rest : rest.slice(0, slash);
    const path = slash < 0 ? '/' : rest[slash] === '?' ? `/${rest.slice(slash)}` : rest.slice(slash);
    return { path, authority: authority.indexOf('@') < 0 ? authority : authority.replace(/^[^@]*@/, '') };
  }
  throw new HttpParseError(`invalid request target: ${JSON.stringify(target.slice(0, 80))}`, 400);
}

/** Where the start line ends: the first CRLF, or the end of a head that has no header lines. */
function startLineEnd(text: string): number {
  const end = text.indexOf('\r\n');
  return end < 0 ? text.length : end;
}

/** Parses a request head given its bytes without the final CRLFCRLF. */
export function parseRequestHead(text: string): RequestHead {
  const lineEnd = startLineEnd(text);
  const requestLine = text.slice(0, lineEnd);
  const first = requestLine.indexOf(' ');
  const last = requestLine.lastIndexOf(' ');
  if (first <= 0 || last === first) throw new HttpParseError(`malformed request line: ${JSON.stringify(requestLine.slice(0, 80))}`, 400);
  const method = requestLine.slice(0, first);
  const target = requestLine.slice(first + 1, last);
  const protocol = requestLine.slice(last + 1);
  if (!isToken(method)) throw new HttpParseError(`invalid method: ${JSON.stringify(method)}`, 400);
  if (protocol !== 'HTTP/1.1' && protocol !== 'HTTP/1.0') {
    throw new HttpParseError(`unsupported protocol ${JSON.stringify(protocol)}`, protocol.startsWith('HTTP/') ? 505 : 400);
  }
  if (target.length === 0 || target.includes(' ')) throw new HttpParseError('invalid request target', 400);
  const version = protocol === 'HTTP/1.1' ? '1.1' : '1.0';
  const seen = new FramingHeaders();
  const headers = parseHeaderLines(text, lineEnd + 2, seen);
  const { path, authority } = splitTarget(method, target, seen.host ?? '');
  return {
    method,
    target,
    version,
    headers,
    path,
    authority,
    keepAlive: wantsKeepAlive(version, seen.connection),
    framing: method === 'CONNECT' ? NO_BODY : requestFraming(seen),
  };
}

const STATUS_LINE = /^HTTP\/(1\.[01]) (\d{3})(?: (.*))?$/;

/** Parses a response head; `requestMethod` decides whether a body can follow (HEAD, CONNECT). */
export function parseResponseHead(text: string, requestMethod: string): ResponseHead {
  const lineEnd = startLineEnd(text);
  const statusLine = text.slice(0, lineEnd);
  const match = STATUS_LINE.exec(statusLine);
  if (!match) throw new HttpParseError(`malformed status line: ${JSON.stringify(statusLine.slice(0, 80))}`, 502);
  const version = match[1]!;
  const status = Number(match[2]);
  const seen = new FramingHeaders();
  const headers = parseHeaderLines(text, lineEnd + 2, seen);
  let framing: BodyFraming;
  if (requestMethod === 'HEAD' || status < 200 || status === 204 || status === 304) framing = NO_BODY;
  else if (requestMethod === 'CONNECT' && status >= 200 && status < 300) framing = NO_BODY;
  else if (seen.transferEncoding !== undefined) {
    framing = seen.transferEncoding.join(',').trim().toLowerCase().endsWith('chunked') ? CHUNKED : CLOSE_DELIMITED;
  } else {
    framing = seen.contentLength !== undefined ? { kind: 'length', length: parseContentLength(seen.contentLength) } : CLOSE_DELIMITED;
  }
  return {
    version,
    status,
    reason: match[3] ?? '',
    headers,
    keepAlive: framing.kind !== 'close' && wantsKeepAlive(version, seen.connection),
    framing,
  };
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'proxy-authorization']);

/**
 * Headers a proxy must not forward (RFC 9110 §7.6.1), including any the Connection header names.
 * `transfer-encoding` is kept: bodies pass through with their framing unchanged.
 */
export function withoutHopByHop(headers: HeaderList): HeaderList {
  return forwardHeaders(headers, NOTHING, NOTHING, NOTHING);
}

const NOTHING: readonly string[] = [];

/**
 * The header list a proxy sends on, built in one pass (this runs twice per proxied request):
 * hop-by-hop headers dropped as in withoutHopByHop, headers named in `drop` (lower case)
 * removed, then `append` (flat name/value pairs) added, then each pair of `set` (lower-case
 * name, value) applied as setHeader would: the first header of that name takes the value in
 * place and its repeats go, or the pair is appended when there was none.
 */
export function forwardHeaders(headers: HeaderList, drop: readonly string[], append: readonly string[], set: readonly string[]): HeaderList {
  // Which `set` pairs found their header is kept as bits of one integer.
  if (set.length > 62) throw new RangeError('forwardHeaders sets at most 31 headers');
  const count = headers.length >> 1;
  const lower = new Array<string>(count);
  let named: string[] | undefined;
  for (let j = 0; j < count; j++) {
    const name = headers[j * 2]!.toLowerCase();
    lower[j] = name;
    if (name === 'connection') (named ??= []).push(...tokensOf([headers[j * 2 + 1]!]));
  }
  const out: HeaderList = [];
  let placed = 0;
  for (let j = 0; j < count; j++) {
    const name = lower[j]!;
    if (HOP_BY_HOP.has(name) || (named !== undefined && named.includes(name)) || (drop.length > 0 && drop.includes(name))) continue;
    let k = 0;
    while (k < set.length && set[k] !== name) k += 2;
    if (k < set.length) {
      const bit = 1 << (k >> 1);
      if ((placed & bit) === 0) {
        placed |= bit;
        out.push(headers[j * 2]!, set[k + 1]!);
      }
      continue;
    }
    out.push(headers[j * 2]!, headers[j * 2 + 1]!);
  }
  for (let k = 0; k < append.length; k++) out.push(append[k]!);
  for (let k = 0; k < set.length; k += 2) {
    if ((placed & (1 << (k >> 1))) === 0) out.push(set[k]!, set[k + 1]!);
  }
  return out;
}

/** Replaces (or adds) a header in place, case-insensitively. */
export function setHeader(headers: HeaderList, name: string, value: string): void {
  const lower = name.toLowerCase();
  let found = false;
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i]!.length === lower.length && headers[i]!.toLowerCase() === lower) {
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
    if (headers[i]!.length === lowerName.length && headers[i]!.toLowerCase() === lowerName) headers.splice(i, 2);
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
  return Buffer.from(responseHeadText(status, reason, headers), 'latin1');
}

/** The response head as text, to be written as latin1. */
export function responseHeadText(status: number, reason: string, headers: HeaderList): string {
  return `HTTP/1.1 ${status} ${reason || STATUS_TEXT[status] || ''}\r\n${serialiseHeaders(headers)}\r\n`;
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
