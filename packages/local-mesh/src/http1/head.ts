import { METHODS as NODE_METHODS } from 'node:http';

/**
 * HTTP/1.x message heads: parsing and serialising. The proxies work on raw sockets rather than
 * node:http because a proxy hop must cost less than the app it fronts (see the benchmark): they
 * parse only the head, keep headers as a flat list in wire order, and pass bodies through.
 */

export class HttpParseError extends Error {
  constructor(
    message: string,
    /** The status a server answers with: 400, 413, 417, 431, 501 or 505 (502 for a bad answer from upstream). */
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
  /** `Expect: 100-continue` from an HTTP/1.1 client, which waits for a 100 before it sends the body. */
  expectContinue: boolean;
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

/**
 * The methods llhttp knows (Node's own list, so it follows the Node that runs us); llhttp refuses
 * any other, and so do the proxies: a method a proxy forwards that its upstream cannot parse is
 * the start of a desync.
 */
const METHODS = new Set(NODE_METHODS);

/** Whether `bytes` (a start line so far, no SP yet) can still become one of the known methods. */
function couldBeMethod(buf: Buffer, end: number): boolean {
  const text = buf.toString('latin1', 0, end);
  for (const method of METHODS) if (method.startsWith(text)) return true;
  return false;
}

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
  hosts = 0;
  expect: string | undefined = undefined;

  /** Names are lower-cased only when their length says they might be one of ours. */
  note(name: string, value: string, raw?: string): void {
    switch (name.length) {
      case 4:
        if (name.toLowerCase() === 'host') {
          this.host ??= value;
          this.hosts++;
        }
        break;
      case 6:
        if (name.toLowerCase() === 'expect') this.expect = this.expect === undefined ? value : `${this.expect}, ${value}`;
        break;
      case 10:
        if (name.toLowerCase() === 'connection') (this.connection ??= []).push(value);
        break;
      case 14:
        // As sent after the colon, like Transfer-Encoding: llhttp refuses `5\t`, which trimming would hide.
        if (name.toLowerCase() === 'content-length') (this.contentLength ??= []).push(framingValue(raw ?? value));
        break;
      case 17:
        // Kept as sent after the colon (see transferCodings): trailing whitespace matters here.
        if (name.toLowerCase() === 'transfer-encoding') (this.transferEncoding ??= []).push(raw ?? value);
        break;
    }
  }
}

/**
 * Where the head breaks the character rules llhttp enforces in its default (strict) mode, or -1:
 * every CR is followed by LF and every LF follows a CR; no NUL, DEL or other control byte
 * anywhere, except HTAB inside header values (and the status line's reason phrase). A bare LF or
 * CR is how a request smuggles a header past a proxy to a more lenient parser behind it, so
 * neither is ever forwarded. `from`/`to` let a connection check bytes as they arrive; a CR at
 * `to - 1` is left for the next call, which must start at it.
 */
export function invalidHeadByte(head: Buffer | string, from = 0, to = head.length): number {
  const text = typeof head === 'string';
  for (let i = from; i < to; i++) {
    const c = text ? (head as string).charCodeAt(i) : (head as Buffer)[i]!;
    if (c >= 0x20 && c !== 0x7f) continue;
    if (c === 0x09) continue;
    if (c === 0x0d) {
      if (i + 1 === to) return -1;
      const next = text ? (head as string).charCodeAt(i + 1) : (head as Buffer)[i + 1]!;
      if (next !== 0x0a) return i;
      i++;
      continue;
    }
    return i;
  }
  return -1;
}

const HTTP_SLASH = 'HTTP/';

/**
 * Checks a request head while it is still arriving, byte by byte and each byte once, for what
 * llhttp refuses the moment it reads it: a method it does not know, a control or space in the
 * target, a malformed version, a folded line, a header name with a non-token character, a line
 * without a colon. Without it, a head that goes wrong early and never ends would be waited on
 * (until the deadline) where Node's server answers 400 at once. Characters themselves (CR, LF,
 * controls) are invalidHeadByte's job; a complete head is parsed again by parseRequestHead.
 */
export class PartialHeadChecker {
  private pos = 0;
  private requestLine = true;
  private lineStart = 0;
  private spaces = 0;
  private protocolStart = 0;
  private colon = false;
  /** Where in the target the next byte falls, to hold the authority to llhttp's characters. */
  private target: 'start' | 'scheme' | 'slash1' | 'slash2' | 'authority' | 'rest' = 'start';

  /** Bytes from where the last call stopped up to `end`; an error at the first refused byte. */
  check(buf: Buffer, end: number): HttpParseError | undefined {
    for (; this.pos < end; this.pos++) {
      const c = buf[this.pos]!;
      if (c === 0x0d) continue;
      if (c === 0x0a) {
        const lineEnd = this.pos - 1;
        if (this.requestLine) {
          if (this.spaces !== 2 || lineEnd - this.protocolStart !== 8) return new HttpParseError('malformed request line', 400);
          try {
            checkProtocol(buf.toString('latin1', this.protocolStart, lineEnd));
          } catch (error) {
            return error as HttpParseError;
          }
        } else if (lineEnd > this.lineStart && !this.colon) {
          return new HttpParseError('malformed header line: a name then a colon', 400);
        }
        this.requestLine = false;
        this.lineStart = this.pos + 1;
        this.colon = false;
        continue;
      }
      const error = this.requestLine ? this.requestLineByte(buf, c) : this.headerLineByte(c);
      if (error) return error;
    }
    return undefined;
  }

  private requestLineByte(buf: Buffer, c: number): HttpParseError | undefined {
    if (c === 0x20) {
      if (++this.spaces > 2) return new HttpParseError('malformed request line', 400);
      if (this.spaces === 1) {
        const method = buf.toString('latin1', 0, this.pos);
        if (!METHODS.has(method)) return new HttpParseError(`invalid method: ${JSON.stringify(method.slice(0, 40))}`, 400);
        if (method === 'CONNECT') this.target = 'authority';
      }
      if (this.spaces === 2) {
        if (buf[this.pos - 1] === 0x20) return new HttpParseError('invalid request target', 400);
        this.protocolStart = this.pos + 1;
      }
      return undefined;
    }
    // Like llhttp, refuse as soon as the first bytes cannot start a known method: a TLS hello,
    // or bytes left over from a body whose framing was lost, is refused at once, not waited on.
    if (this.spaces === 0) return couldBeMethod(buf, this.pos + 1) ? undefined : new HttpParseError(`invalid method: ${JSON.stringify(buf.toString('latin1', 0, Math.min(this.pos + 1, 40)))}`, 400);
    if (this.spaces === 1) return c > 0x20 && c < 0x7f ? this.targetByte(c) : new HttpParseError('invalid request target', 400);
    // HTTP/<digit>.<digit>: which versions are served is parseRequestHead's decision (505).
    const at = this.pos - this.protocolStart;
    const fits = at < 5 ? c === HTTP_SLASH.charCodeAt(at) : at === 6 ? c === 0x2e : at < 8 && c >= 0x30 && c <= 0x39;
    return fits ? undefined : new HttpParseError('malformed request line', 400);
  }

  /** The target's shape as splitTarget reads it: `/…`, `*`, `scheme://authority…`, or CONNECT's authority. */
  private targetByte(c: number): HttpParseError | undefined {
    const refused = new HttpParseError('invalid request target', 400);
    switch (this.target) {
      case 'start':
        if (c === 0x2f || c === 0x2a) this.target = 'rest';
        else if ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) this.target = 'scheme';
        else return refused;
        return undefined;
      case 'scheme':
        if (c === 0x3a) this.target = 'slash1';
        else if (!(((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e)) return refused;
        return undefined;
      case 'slash1':
      case 'slash2':
        if (c !== 0x2f) return refused;
        this.target = this.target === 'slash1' ? 'slash2' : 'authority';
        return undefined;
      case 'authority':
        if (c === 0x2f || c === 0x3f) this.target = 'rest';
        else if (AUTHORITY_REFUSED.has(c)) return new HttpParseError('invalid character in the request target\'s host', 400);
        return undefined;
      default:
        return undefined;
    }
  }

  private headerLineByte(c: number): HttpParseError | undefined {
    if (this.colon) return undefined;
    if (this.pos === this.lineStart && (c === 0x20 || c === 0x09)) return new HttpParseError('obsolete header line folding is not accepted', 400);
    if (c === 0x3a) {
      if (this.pos === this.lineStart) return new HttpParseError('malformed header line: a name then a colon', 400);
      this.colon = true;
      return undefined;
    }
    return c < 128 && TOKEN_CHARS[c] === 1 ? undefined : new HttpParseError('invalid character in a header name', 400);
  }
}

/** A field value without its optional whitespace (SP and HTAB only: String#trim would also eat \x0B and \xA0). */
function trimOws(text: string, start: number, end: number): string {
  while (start < end && (text.charCodeAt(start) === 32 || text.charCodeAt(start) === 9)) start++;
  while (end > start && (text.charCodeAt(end - 1) === 32 || text.charCodeAt(end - 1) === 9)) end--;
  return text.slice(start, end);
}

/**
 * A framing header's value as llhttp reads it: whitespace before it skipped, spaces after it
 * dropped, but a tab after it kept, so that the value is then refused.
 */
function framingValue(raw: string): string {
  let start = 0;
  while (raw.charCodeAt(start) === 32 || raw.charCodeAt(start) === 9) start++;
  let end = raw.length;
  while (end > start && raw.charCodeAt(end - 1) === 32) end--;
  return raw.slice(start, end);
}

/** Header lines from `start` (just after the start line's CRLF) to the end of `text`. */
function parseHeaderLines(text: string, start: number, seen: FramingHeaders): HeaderList {
  const headers: HeaderList = [];
  let pos = start;
  while (pos < text.length) {
    let end = text.indexOf('\r\n', pos);
    if (end < 0) end = text.length;
    if (end === pos) throw new HttpParseError('empty header line', 400);
    const first = text.charCodeAt(pos);
    if (first === 32 || first === 9) throw new HttpParseError('obsolete header line folding is not accepted', 400);
    const colon = text.indexOf(':', pos);
    if (colon <= pos || colon >= end) {
      throw new HttpParseError(`malformed header line: ${JSON.stringify(text.slice(pos, Math.min(end, pos + 80)))}`, 400);
    }
    if (!isToken(text, pos, colon)) throw new HttpParseError(`invalid header name: ${JSON.stringify(text.slice(pos, colon))}`, 400);
    const name = text.slice(pos, colon);
    const value = trimOws(text, colon + 1, end);
    headers.push(name, value);
    seen.note(name, value, name.length === 17 || name.length === 14 ? text.slice(colon + 1, end) : undefined);
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
    // Either could be what a parser behind us believes: a request with both is refused (RFC 9112 §6.3 allows it).
    if (cl !== undefined) throw new HttpParseError('both Transfer-Encoding and Content-Length are present', 400);
    const codings = transferCodings(te);
    if (codings.at(-1) !== 'chunked') throw new HttpParseError('a request Transfer-Encoding must end with chunked', 400);
    if (codings.length > 1) throw new HttpParseError(`unsupported transfer coding: ${codings.join(', ')}`, 501);
    return CHUNKED;
  }
  if (cl !== undefined) return { kind: 'length', length: parseContentLength(cl) };
  return NO_BODY;
}

/**
 * The codings of Transfer-Encoding headers (raw values) in order; each must be a token, as llhttp
 * requires. Only spaces may surround them: llhttp refuses `chunked\t`, so a proxy must too.
 */
function transferCodings(values: readonly string[]): string[] {
  const codings: string[] = [];
  for (const value of values) {
    let start = 0;
    while (value.charCodeAt(start) === 32 || value.charCodeAt(start) === 9) start++;
    for (const part of value.slice(start).split(',')) {
      // Spaces only: String#trim would also take a tab, \x0B or \xA0, which make the coding invalid.
      const coding = part.replace(/^ +| +$/g, '').toLowerCase();
      if (!isToken(coding)) throw new HttpParseError(`invalid Transfer-Encoding: ${JSON.stringify(value)}`, 400);
      codings.push(coding);
    }
  }
  return codings;
}

/** Shared framing objects for the common cases; nothing mutates a framing. */
const NO_BODY: BodyFraming = Object.freeze({ kind: 'none' });
const CHUNKED: BodyFraming = Object.freeze({ kind: 'chunked' });
const CLOSE_DELIMITED: BodyFraming = Object.freeze({ kind: 'close' });

/**
 * One Content-Length of digits only. llhttp refuses a repeated header and a list (`5, 5`), which
 * RFC 9110 would let a recipient collapse: a proxy that collapses what its upstream refuses, or
 * the other way round, disagrees with it about where the body ends.
 */
function parseContentLength(values: string[]): number {
  const only = values[0]!;
  if (values.length > 1) throw new HttpParseError('more than one Content-Length header', 400);
  if (only.length > 0 && only.length <= 15 && isDigits(only)) return Number(only);
  throw new HttpParseError(`invalid Content-Length: ${JSON.stringify(only.slice(0, 40))}`, 400);
}

function isDigits(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * Characters llhttp refuses in a target's authority (absolute-form, CONNECT) though it takes them
 * in a path: a host a proxy routes on must be what its upstream would read as one.
 */
const AUTHORITY_REFUSED = new Set([...'"#<>\\^`{|}'].map((c) => c.charCodeAt(0)));

function checkAuthority(authority: string): string {
  for (let i = 0; i < authority.length; i++) {
    if (AUTHORITY_REFUSED.has(authority.charCodeAt(i))) throw new HttpParseError(`invalid character in the request target's host: ${JSON.stringify(authority.slice(0, 80))}`, 400);
  }
  return authority;
}

function splitTarget(method: string, target: string, host: string): { path: string; authority: string } {
  if (method === 'CONNECT') return { path: '', authority: checkAuthority(target) };
  if (target.charCodeAt(0) === 47 /* / */) return { path: target, authority: host };
  if (target === '*') return { path: '*', authority: host };
  const scheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.exec(target);
  if (scheme) {
    const rest = target.slice(scheme[0].length);
    const slash = rest.search(/[/?]/);
    const authority = checkAuthority(slash < 0 ? rest : rest.slice(0, slash));
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

/**
 * Parses a request head given its bytes without the final CRLFCRLF. `checked`: the caller has
 * already run invalidHeadByte over these bytes (a connection does, as they arrive).
 */
export function parseRequestHead(text: string, checked = false): RequestHead {
  if (!checked) {
    const bad = invalidHeadByte(text);
    if (bad >= 0 || text.charCodeAt(text.length - 1) === 0x0d) throw invalidByteError(text, bad);
  }
  const lineEnd = startLineEnd(text);
  const requestLine = text.slice(0, lineEnd);
  const first = requestLine.indexOf(' ');
  const last = requestLine.lastIndexOf(' ');
  if (first <= 0 || last === first) throw new HttpParseError(`malformed request line: ${JSON.stringify(requestLine.slice(0, 80))}`, 400);
  const method = requestLine.slice(0, first);
  const target = requestLine.slice(first + 1, last);
  const protocol = requestLine.slice(last + 1);
  // In the order a byte-by-byte reader meets them (PartialHeadChecker), so the answer does not
  // depend on how the head arrived: form, method, target, then version.
  if (target.includes(' ')) throw new HttpParseError(`malformed request line: ${JSON.stringify(requestLine.slice(0, 80))}`, 400);
  if (!METHODS.has(method)) throw new HttpParseError(`invalid method: ${JSON.stringify(method.slice(0, 40))}`, 400);
  if (target.length === 0 || !isTargetText(target)) throw new HttpParseError('invalid request target', 400);
  checkProtocol(protocol);
  const version = protocol === 'HTTP/1.1' ? '1.1' : '1.0';
  const seen = new FramingHeaders();
  const headers = parseHeaderLines(text, lineEnd + 2, seen);
  // RFC 9112 §3.2: a 1.1 request without exactly one Host is a 400 (Node's server says the same).
  if (seen.hosts > 1) throw new HttpParseError('more than one Host header', 400);
  if (version === '1.1' && seen.hosts === 0) throw new HttpParseError('missing Host header', 400);
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
    expectContinue: expectsContinue(version, seen.expect),
  };
}

function checkProtocol(protocol: string): void {
  if (protocol === 'HTTP/1.1' || protocol === 'HTTP/1.0') return;
  throw new HttpParseError(`unsupported protocol ${JSON.stringify(protocol)}`, /^HTTP\/\d\.\d$/.test(protocol) ? 505 : 400);
}

/** `Expect: 100-continue` is the only expectation there is; anything else is a 417 (RFC 9110 §10.1.1). */
function expectsContinue(version: string, expect: string | undefined): boolean {
  if (expect === undefined) return false;
  if (expect.toLowerCase() !== '100-continue') throw new HttpParseError(`unsupported expectation: ${JSON.stringify(expect.slice(0, 40))}`, 417);
  // An HTTP/1.0 client does not wait for a 100 (RFC 9110 §10.1.1), so none is sent.
  return version === '1.1';
}

/** Request targets are visible ASCII (RFC 3986 characters; llhttp refuses controls, SP and DEL). */
function isTargetText(target: string): boolean {
  for (let i = 0; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

function invalidByteError(text: string, at: number): HttpParseError {
  return invalidCharacter(at < 0 ? undefined : text.charCodeAt(at));
}

/** The error for a byte invalidHeadByte found (`undefined`: the head ended on a bare CR). */
export function invalidCharacter(byte: number | undefined): HttpParseError {
  const what =
    byte === undefined || byte === 0x0d
      ? 'a CR not followed by LF'
      : byte === 0x0a
        ? 'a bare LF (lines end with CRLF)'
        : `the control character 0x${byte.toString(16).padStart(2, '0')}`;
  return new HttpParseError(`invalid character in the message head: ${what}`, 400);
}

const STATUS_LINE = /^HTTP\/(1\.[01]) (\d{3})(?: (.*))?$/;

/** Parses a response head; `requestMethod` decides whether a body can follow (HEAD, CONNECT). */
export function parseResponseHead(text: string, requestMethod: string): ResponseHead {
  const bad = invalidHeadByte(text);
  if (bad >= 0 || text.charCodeAt(text.length - 1) === 0x0d) throw asUpstreamError(invalidByteError(text, bad));
  const lineEnd = startLineEnd(text);
  const statusLine = text.slice(0, lineEnd);
  const match = STATUS_LINE.exec(statusLine);
  if (!match) throw new HttpParseError(`malformed status line: ${JSON.stringify(statusLine.slice(0, 80))}`, 502);
  const version = match[1]!;
  const status = Number(match[2]);
  const seen = new FramingHeaders();
  let headers: HeaderList;
  let framing: BodyFraming;
  try {
    headers = parseHeaderLines(text, lineEnd + 2, seen);
    if (requestMethod === 'HEAD' || status < 200 || status === 204 || status === 304) framing = NO_BODY;
    else if (requestMethod === 'CONNECT' && status >= 200 && status < 300) framing = NO_BODY;
    else if (seen.transferEncoding !== undefined) {
      // Where the body ends would be ambiguous to whoever reads our answer; llhttp refuses it too.
      if (seen.contentLength !== undefined) throw new HttpParseError('both Transfer-Encoding and Content-Length are present', 502);
      framing = transferCodings(seen.transferEncoding).at(-1) === 'chunked' ? CHUNKED : CLOSE_DELIMITED;
    } else {
      framing = seen.contentLength !== undefined ? { kind: 'length', length: parseContentLength(seen.contentLength) } : CLOSE_DELIMITED;
    }
  } catch (error) {
    throw error instanceof HttpParseError ? asUpstreamError(error) : error;
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

/** A malformed answer from upstream is the proxy's 502, whatever a request with the same fault would get. */
function asUpstreamError(error: HttpParseError): HttpParseError {
  return new HttpParseError(error.message, 502);
}

// `expect` too: the proxy buffers the body and answers the 100 itself, as Envoy does by default.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'expect']);

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
  417: 'Expectation Failed',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
};
