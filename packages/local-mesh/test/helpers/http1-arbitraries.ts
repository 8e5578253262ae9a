/**
 * fast-check generators for HTTP/1.1 request streams: valid pipelines (so the expected parse is
 * known) and mutations of them that a strict parser must refuse or frame the same way whatever
 * the chunking.
 */
import fc from 'fast-check';
import { authorityOf, sha, type Parsed } from './http1-wire.js';

const TCHAR = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
/** Header names the servers act on: generated requests set them deliberately, never at random. */
const SPECIAL = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'expect', 'upgrade', 'keep-alive', 'proxy-connection', 'te', 'trailer']);

const chars = (alphabet: string) => fc.constantFrom(...alphabet.split(''));
const token = (max = 12) => fc.string({ unit: chars(TCHAR), minLength: 1, maxLength: max });
const fieldName = token(16).filter((name) => !SPECIAL.has(name.toLowerCase()));
/** field-vchar (VCHAR and obs-text) words joined by single SP or HTAB: any legal field value. */
const fieldValue = fc
  .array(
    fc.tuple(
      fc.string({ unit: fc.integer({ min: 0x21, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 10 }),
      fc.constantFrom(' ', '\t'),
    ),
    { maxLength: 3 },
  )
  .map((words) => words.map(([word, gap], i) => (i === 0 ? word : gap + word)).join(''));

const UNRESERVED = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~';
const pchar = fc.oneof(
  { weight: 8, arbitrary: chars(`${UNRESERVED}!$&'()*+,;=:@`) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }).map((n) => `%${n.toString(16).padStart(2, '0').toUpperCase()}`) },
);
const segment = fc.string({ unit: pchar, maxLength: 8 });
const query = fc.option(fc.string({ unit: fc.oneof(pchar, fc.constantFrom('/', '?')), maxLength: 12 }).map((q) => `?${q}`), { nil: '' });
const path = fc.tuple(fc.array(segment, { minLength: 1, maxLength: 4 }), query).map(([segments, q]) => `/${segments.join('/')}${q}`);
const label = fc.string({ unit: chars('abcdefghijklmnopqrstuvwxyz0123456789'), minLength: 1, maxLength: 8 });
const hostName = fc.array(label, { minLength: 1, maxLength: 3 }).map((labels) => labels.join('.'));
const authority = fc.tuple(hostName, fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined })).map(([host, port]) => (port === undefined ? host : `${host}:${port}`));

/** Methods llhttp knows (it refuses all others); CONNECT is left out, node:http drops it without a listener. */
const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'PURGE', 'PROPFIND', 'REPORT', 'MKCOL', 'SEARCH');

interface Chunk {
  data: Buffer;
  /** Leading zeros and hex-digit case of the size: both are the size, however written. */
  zeros: number;
  upper: boolean;
  extensions: string;
}

type Body = { kind: 'none' } | { kind: 'length'; payload: Buffer } | { kind: 'chunked'; chunks: Chunk[]; last: Omit<Chunk, 'data'>; trailers: [string, string][] };

export interface GeneratedRequest {
  method: string;
  target: string;
  version: '1.0' | '1.1';
  host: string | undefined;
  fields: [string, string][];
  body: Body;
  /** Whether the request asks to keep the connection (the default of 1.1, `Connection: keep-alive` in 1.0). */
  keepAlive: boolean;
  /** Where the framing and Connection fields go among the others. */
  placement: number;
  /** Empty lines before the request line, which RFC 9112 §2.2 says a server SHOULD ignore (llhttp does). */
  preamble: string;
}

const extension = fc.oneof(
  token(6).map((name) => `;${name}`),
  fc.tuple(token(6), token(8)).map(([name, value]) => `;${name}=${value}`),
  fc
    .tuple(token(6), fc.string({ unit: chars(`${UNRESERVED} !#$%&'()*+,/:;<=>?@[]^\`{|}`), maxLength: 10 }))
    .map(([name, value]) => `;${name}="${value}"`),
);
const extensions = fc.array(extension, { maxLength: 2 }).map((list) => list.join(''));
/** Leading zeros: 1*HEXDIG sets no limit on them, so neither may a parser (llhttp does not). */
const zeros = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 2 }) }, { weight: 1, arbitrary: fc.integer({ min: 3, max: 20 }) });
const sizeStyle = fc.record({ zeros, upper: fc.boolean(), extensions });
const payload = fc.uint8Array({ maxLength: 120 }).map((bytes) => Buffer.from(bytes));

const body: fc.Arbitrary<Body> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 3, arbitrary: payload.map((p) => ({ kind: 'length' as const, payload: p })) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('chunked' as const),
      chunks: fc.array(
        fc.record({ data: fc.uint8Array({ minLength: 1, maxLength: 40 }).map((b) => Buffer.from(b)), zeros, upper: fc.boolean(), extensions }),
        { maxLength: 4 },
      ),
      last: sizeStyle,
      trailers: fc.array(fc.tuple(fieldName, fieldValue), { maxLength: 2 }),
    }),
  },
);

export const request: fc.Arbitrary<GeneratedRequest> = fc
  .record({
    method,
    form: fc.constantFrom('origin', 'origin', 'origin', 'absolute', 'asterisk'),
    path,
    targetAuthority: authority,
    version: fc.constantFrom<'1.0' | '1.1'>('1.1', '1.1', '1.1', '1.0'),
    host: fc.option(authority, { nil: undefined, freq: 6 }),
    fields: fc.array(fc.tuple(fieldName, fieldValue), { maxLength: 4 }),
    body,
    keepAlive: fc.boolean(),
    placement: fc.nat(),
    preamble: fc.constantFrom('', '', '', '', '\r\n'),
  })
  .map(({ method, form, path, targetAuthority, version, host, fields, body, keepAlive, placement, preamble }) => {
    const target = form === 'absolute' ? `http://${targetAuthority}${path}` : form === 'asterisk' ? '*' : path;
    return {
      method: form === 'asterisk' ? 'OPTIONS' : method,
      target,
      version,
      // HTTP/1.1 requires Host (node:http answers 400 without one); 1.0 may leave it out.
      host: version === '1.1' ? (host ?? targetAuthority) : host,
      fields,
      // Transfer-Encoding is not HTTP/1.0: such a body ends the connection, so 1.0 uses Content-Length.
      body: version === '1.0' && body.kind === 'chunked' ? { kind: 'length' as const, payload: Buffer.concat(body.chunks.map((c) => c.data)) } : body,
      keepAlive,
      placement,
      preamble,
    };
  });

/** 1–4 requests on one connection; every request but the last keeps it open. */
export const pipeline: fc.Arbitrary<GeneratedRequest[]> = fc
  .array(request, { minLength: 1, maxLength: 4 })
  .map((requests) => requests.map((r, i) => (i < requests.length - 1 ? { ...r, keepAlive: true } : r)));

function size(n: number, style: { zeros: number; upper: boolean }): string {
  const hex = n.toString(16);
  return '0'.repeat(style.zeros) + (style.upper ? hex.toUpperCase() : hex);
}

function payloadOf(body: Body): Buffer {
  if (body.kind === 'length') return body.payload;
  if (body.kind === 'chunked') return Buffer.concat(body.chunks.map((c) => c.data));
  return Buffer.alloc(0);
}

/** The request on the wire, its head and body apart (mutations work on one or the other). */
export function serialise(r: GeneratedRequest): { head: string; body: string } {
  const fields: [string, string][] = [...r.fields];
  const framing: [string, string][] = [];
  if (r.body.kind === 'length') framing.push(['Content-Length', String(r.body.payload.length)]);
  if (r.body.kind === 'chunked') framing.push(['Transfer-Encoding', 'chunked']);
  if (r.version === '1.1' && !r.keepAlive) framing.push(['Connection', 'close']);
  if (r.version === '1.0' && r.keepAlive) framing.push(['Connection', 'keep-alive']);
  const at = fields.length === 0 ? 0 : r.placement % (fields.length + 1);
  fields.splice(at, 0, ...framing);
  if (r.host !== undefined) fields.splice(r.placement % 2 === 0 ? 0 : fields.length, 0, ['Host', r.host]);
  const head = `${r.preamble}${r.method} ${r.target} HTTP/${r.version}\r\n${fields.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;
  let body = '';
  if (r.body.kind === 'length') body = r.body.payload.toString('latin1');
  if (r.body.kind === 'chunked') {
    for (const c of r.body.chunks) body += `${size(c.data.length, c)}${c.extensions}\r\n${c.data.toString('latin1')}\r\n`;
    body += `${size(0, r.body.last)}${r.body.last.extensions}\r\n${r.body.trailers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;
  }
  return { head, body };
}

export function wire(requests: readonly GeneratedRequest[]): Buffer {
  return Buffer.from(
    requests
      .map(serialise)
      .map((m) => m.head + m.body)
      .join(''),
    'latin1',
  );
}

/** What a server must report for a generated request. */
export function expected(r: GeneratedRequest): Parsed {
  const body = payloadOf(r.body);
  return {
    method: r.method,
    target: r.target,
    authority: authorityOf(r.method, r.target, r.host),
    version: r.version,
    keepAlive: r.keepAlive,
    bodyLength: body.length,
    bodySha: sha(body),
  };
}

/** Bytes a parser must treat with care wherever they land in a head. */
const NASTY_BYTES = ['\x00', '\x01', '\x08', '\t', '\n', '\x0b', '\x0c', '\r', '\x1f', ' ', '\x7f', '\x80', '\xa0', '\xff', ':', '"', ',', ';', '@'];

/** Header lines that each desynchronise some parser when added to a valid head. */
const NASTY_FIELDS = [
  'Content-Length: 0',
  'Content-Length: 1',
  'Content-Length: +1',
  'Content-Length: 1, 1',
  'Content-Length: 1\xa0',
  'Content-Length: 0x1',
  'Transfer-Encoding: chunked',
  'Transfer-Encoding: identity',
  'Transfer-Encoding: chunked\x0b',
  'Transfer-Encoding: xchunked',
  'Transfer-Encoding : chunked',
  'Host: evil.example',
  ' folded-continuation',
  '\tfolded-continuation',
  'No-Colon',
  ': no-name',
];

const VERSIONS = ['HTTP/1.2', 'HTTP/2.0', 'HTTP/0.9', 'http/1.1', 'HTTP/1', 'HTTP/1.1 ', 'HTTP/11', 'HTTP /1.1'];

/** A way to damage one request of a pipeline; the numbers pick positions modulo what exists. */
export type Mutation =
  | { kind: 'insert-in-head'; at: number; byte: string }
  | { kind: 'replace-in-head'; at: number; byte: string }
  | { kind: 'insert-in-body'; at: number; byte: string }
  | { kind: 'bare-line-end'; which: number; into: '\n' | '\r' | '\n\r' }
  | { kind: 'add-field'; line: string; at: number }
  | { kind: 'duplicate-field'; which: number }
  | { kind: 'space-before-colon'; which: number }
  | { kind: 'version'; to: string }
  | { kind: 'drop-final-crlf' }
  | { kind: 'space-after-chunk-size'; which: number };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('insert-in-head' as const), at: fc.nat(), byte: fc.constantFrom(...NASTY_BYTES) }),
  fc.record({ kind: fc.constant('replace-in-head' as const), at: fc.nat(), byte: fc.constantFrom(...NASTY_BYTES) }),
  fc.record({ kind: fc.constant('insert-in-body' as const), at: fc.nat(), byte: fc.constantFrom(...NASTY_BYTES) }),
  fc.record({ kind: fc.constant('bare-line-end' as const), which: fc.nat(), into: fc.constantFrom<'\n' | '\r' | '\n\r'>('\n', '\r', '\n\r') }),
  fc.record({ kind: fc.constant('add-field' as const), line: fc.constantFrom(...NASTY_FIELDS), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate-field' as const), which: fc.nat() }),
  fc.record({ kind: fc.constant('space-before-colon' as const), which: fc.nat() }),
  fc.record({ kind: fc.constant('version' as const), to: fc.constantFrom(...VERSIONS) }),
  fc.constant({ kind: 'drop-final-crlf' as const }),
  fc.record({ kind: fc.constant('space-after-chunk-size' as const), which: fc.nat() }),
);

/** Offsets of every CRLF in `text`. */
function crlfs(text: string): number[] {
  const found: number[] = [];
  for (let i = text.indexOf('\r\n'); i >= 0; i = text.indexOf('\r\n', i + 2)) found.push(i);
  return found;
}

/** `message` with `mutation` applied (it may come out unchanged, or even still valid). */
export function mutate(message: { head: string; body: string }, m: Mutation): { head: string; body: string } {
  const { head, body } = message;
  // Field lines: from after the request line to before the blank line.
  const lineStarts = crlfs(head)
    .slice(0, -1)
    .map((i) => i + 2);
  const pick = <T>(list: readonly T[], n: number): T | undefined => (list.length === 0 ? undefined : list[n % list.length]);
  switch (m.kind) {
    case 'insert-in-head': {
      const at = m.at % head.length;
      return { head: head.slice(0, at) + m.byte + head.slice(at), body };
    }
    case 'replace-in-head': {
      const at = m.at % head.length;
      return { head: head.slice(0, at) + m.byte + head.slice(at + 1), body };
    }
    case 'insert-in-body': {
      if (body.length === 0) return message;
      const at = m.at % body.length;
      return { head, body: body.slice(0, at) + m.byte + body.slice(at) };
    }
    case 'bare-line-end': {
      const all = [...crlfs(head).map((i) => ({ in: 'head' as const, i })), ...crlfs(body).map((i) => ({ in: 'body' as const, i }))];
      const target = pick(all, m.which);
      if (!target) return message;
      const text = target.in === 'head' ? head : body;
      const changed = text.slice(0, target.i) + m.into + text.slice(target.i + 2);
      return target.in === 'head' ? { head: changed, body } : { head, body: changed };
    }
    case 'add-field': {
      const at = pick(lineStarts, m.at) ?? head.length - 2;
      return { head: `${head.slice(0, at)}${m.line}\r\n${head.slice(at)}`, body };
    }
    case 'duplicate-field': {
      const at = pick(lineStarts, m.which);
      if (at === undefined) return message;
      const end = head.indexOf('\r\n', at);
      if (end === at) return message;
      const line = head.slice(at, end + 2);
      return { head: head.slice(0, end + 2) + line + head.slice(end + 2), body };
    }
    case 'space-before-colon': {
      const at = pick(lineStarts, m.which);
      if (at === undefined) return message;
      const colon = head.indexOf(':', at);
      if (colon < 0 || colon > head.indexOf('\r\n', at)) return message;
      return { head: `${head.slice(0, colon)} ${head.slice(colon)}`, body };
    }
    case 'version': {
      const lineEnd = head.indexOf('\r\n', /^(?:\r\n)*/.exec(head)![0].length);
      const space = head.lastIndexOf(' ', lineEnd);
      return { head: head.slice(0, space + 1) + m.to + head.slice(lineEnd), body };
    }
    case 'drop-final-crlf':
      return body.endsWith('\r\n\r\n') && /^[0-9a-fA-F]/.test(body) ? { head, body: body.slice(0, -2) } : message;
    case 'space-after-chunk-size': {
      if (!/^[0-9a-fA-F]/.test(body)) return message;
      // Size lines: the start of the body and each line right after chunk data.
      const sizeEnds: number[] = [];
      let pos = 0;
      while (pos < body.length) {
        const match = /^([0-9a-fA-F]+)[^\r]*\r\n/.exec(body.slice(pos));
        if (!match) break;
        sizeEnds.push(pos + match[1]!.length);
        const n = parseInt(match[1]!, 16);
        if (n === 0) break;
        pos += match[0].length + n + 2;
      }
      const at = pick(sizeEnds, m.which);
      return at === undefined ? message : { head, body: `${body.slice(0, at)} ${body.slice(at)}` };
    }
  }
}

/** A pipeline with one request damaged, as bytes. */
export const mutatedStream = fc
  .record({ requests: pipeline, which: fc.nat(), mutations: fc.array(mutation, { minLength: 1, maxLength: 2 }) })
  .map(({ requests, which, mutations }) => {
    const messages = requests.map(serialise);
    const index = which % messages.length;
    messages[index] = mutations.reduce(mutate, messages[index]!);
    // A string, so that fast-check prints a counterexample as readable (escaped) text.
    return { text: messages.map((m) => m.head + m.body).join(''), index, mutations };
  });

/**
 * Where to cut a stream: anywhere (an offset taken modulo its length), or just before, inside or
 * after one of its line endings, where incremental parsers go wrong most (a CR at the end of one
 * read and its LF at the start of the next). Shrinks towards few cuts.
 */
export type CutPoint = { at: number } | { lineEnd: number; shift: 0 | 1 | 2 };

export const cutPoints: fc.Arbitrary<CutPoint[]> = fc.array(
  fc.oneof(
    fc.record({ at: fc.integer({ min: 1, max: 1 << 20 }) }),
    fc.record({ lineEnd: fc.nat(), shift: fc.constantFrom<0 | 1 | 2>(0, 1, 2) }),
  ),
  { maxLength: 8 },
);

/** The offsets `points` stand for in `bytes`. */
export function offsetsIn(bytes: Buffer, points: readonly CutPoint[]): number[] {
  const ends: number[] = [];
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0d || bytes[i] === 0x0a) ends.push(i);
  return points.map((p) => ('at' in p ? p.at % bytes.length : ends.length === 0 ? 0 : ends[p.lineEnd % ends.length]! + p.shift));
}
