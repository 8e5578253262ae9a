/**
 * Raw requests the HTTP/1.1 codec must judge the way llhttp (node:http, default strict mode) does.
 * `node` is what a default node:http server was observed to do with the bytes in one piece: how
 * many requests it served, then how the connection went on — `open` (waiting for more), `closed`
 * (ended without refusing), `refused` (dropped without an answer) or the status it refused with.
 * The differential test checks that record first, so a Node upgrade that changes llhttp shows up
 * as a corpus failure and not as a codec one.
 *
 * Our codec may answer a refusal with another status, but must refuse exactly where llhttp does
 * and cut the same messages out of the stream. Where a proxy should refuse more than llhttp, the
 * case says so in `ours.stricter`, with the reason.
 */

export type NodeAnswer = {
  accepts: number;
  then: 'open' | 'closed' | 'refused' | 400 | 413 | 431 | 501 | 505;
};

export interface Case {
  name: string;
  /** Why the case is here: the attack or the rule it holds the codec to. */
  why: string;
  bytes: Buffer;
  node: NodeAnswer;
  /** Our codec refuses after `accepts` (default 0) of the requests llhttp serves, for this reason. */
  ours?: { stricter: string; accepts?: number };
  /** An interim answer both servers must send before the connection waits (Expect: 100-continue). */
  interim?: number;
}

const CRLF = '\r\n';
const latin1 = (text: string) => Buffer.from(text, 'latin1');
/** A request: its start line and header lines, the blank line, then `body` as given. */
const request = (lines: string[], body = '') => latin1(lines.join(CRLF) + CRLF + CRLF + body);
const get = (path = '/', host = 'a.example') => `GET ${path} HTTP/1.1${CRLF}Host: ${host}${CRLF}${CRLF}`;
const post = (...headers: string[]) => ['POST /submit HTTP/1.1', 'Host: a.example', ...headers];
const hugeHeader = (bytes: number) => `X-Filler: ${'f'.repeat(bytes)}`;

const accepted = (accepts = 1): NodeAnswer => ({ accepts, then: 'open' });
const refused = (status: NodeAnswer['then'] = 400, accepts = 0): NodeAnswer => ({ accepts, then: status });

export const corpus: Case[] = [
  // — Content-Length and Transfer-Encoding together and apart: the request-smuggling classics.
  {
    name: 'CL.TE: Content-Length then Transfer-Encoding',
    why: 'a front end reading CL and a back end reading TE would disagree on where the request ends',
    bytes: request(post('Content-Length: 6', 'Transfer-Encoding: chunked'), `0${CRLF}${CRLF}G`),
    node: refused(),
  },
  {
    name: 'TE.CL: Transfer-Encoding then Content-Length',
    why: 'the same conflict in the other order',
    bytes: request(post('Transfer-Encoding: chunked', 'Content-Length: 4'), `5c${CRLF}GPOST / HTTP/1.1${CRLF}${CRLF}0${CRLF}${CRLF}`),
    node: refused(),
  },
  {
    name: 'CL.TE with the Transfer-Encoding hidden by a vertical tab',
    why: 'a trim() that eats \\x0B turns an invalid value into chunked for one parser and not another',
    bytes: request(post('Transfer-Encoding: chunked\x0B', 'Content-Length: 3'), `abc`),
    node: refused(),
  },
  {
    name: 'TE.TE: chunked followed by a vertical tab',
    why: 'a control byte in a header value is an error, whatever header it is in',
    bytes: request(post('Transfer-Encoding: chunked\x0B'), `3${CRLF}abc${CRLF}0${CRLF}${CRLF}`),
    node: refused(),
  },
  {
    name: 'TE.TE: chunked followed by a no-break space',
    why: '\\xA0 is obs-text to HTTP but whitespace to String.prototype.trim',
    bytes: request(post('Transfer-Encoding: chunked\xA0'), `3${CRLF}abc${CRLF}0${CRLF}${CRLF}`),
    node: refused(),
  },
  {
    name: 'TE.TE: xchunked',
    why: 'a request whose last transfer coding is not chunked has no knowable length (RFC 9112 §6.3)',
    bytes: request(post('Transfer-Encoding: xchunked'), `3${CRLF}abc${CRLF}0${CRLF}${CRLF}`),
    node: refused(),
  },
  {
    name: 'TE.TE: chunked, then a second Transfer-Encoding: identity',
    why: 'repeated headers are one list: its last coding decides',
    bytes: request(post('Transfer-Encoding: chunked', 'Transfer-Encoding: identity'), `3${CRLF}abc${CRLF}0${CRLF}${CRLF}`),
    node: refused(),
  },
  {
    name: 'Transfer-Encoding with leading whitespace',
    why: 'optional whitespace before a field value is not part of it (" chunked" is chunked)',
    bytes: request(post('Transfer-Encoding: \t  chunked'), `3${CRLF}abc${CRLF}0${CRLF}${CRLF}`),
    node: accepted(),
  },
  {
    name: 'Transfer-Encoding: chunked followed by a space',
    why: 'trailing whitespace is not part of the value either',
    bytes: request(post('Transfer-Encoding: chunked '), `3${CRLF}abc${CRLF}0${CRLF}${CRLF}`),
    node: accepted(),
  },
  {
    name: 'Transfer-Encoding: chunked followed by a tab',
    why: 'llhttp takes "chunked\t" for an unknown coding and refuses the request, where trim() sees chunked',
    bytes: request(post('Transfer-Encoding: chunked\t'), `3${CRLF}abc${CRLF}0${CRLF}${CRLF}`),
    node: refused(),
  },
  {
    name: 'Transfer-Encoding: Chunked in another case',
    why: 'transfer codings are case-insensitive',
    bytes: request(post('Transfer-Encoding: Chunked'), `3${CRLF}abc${CRLF}0${CRLF}${CRLF}`),
    node: accepted(),
  },
  {
    name: 'Transfer-Encoding: gzip, chunked',
    why: 'valid framing, but a coding the mesh does not apply',
    bytes: request(post('Transfer-Encoding: gzip, chunked'), `3${CRLF}abc${CRLF}0${CRLF}${CRLF}`),
    node: accepted(),
    ours: { stricter: 'RFC 9112 §6.1: a server answers 501 to a transfer coding it does not implement, rather than pass on a body it cannot read' },
  },
  {
    name: 'Transfer-Encoding: chunked, chunked',
    why: 'chunked applied twice',
    bytes: request(post('Transfer-Encoding: chunked, chunked'), `3${CRLF}abc${CRLF}0${CRLF}${CRLF}`),
    node: refused(),
  },
  {
    name: 'Transfer-Encoding in an HTTP/1.0 request',
    why: 'HTTP/1.0 has no transfer codings: RFC 9112 §6.1 says to read it, then close the connection',
    bytes: request(['POST / HTTP/1.0', 'Transfer-Encoding: chunked'], `3${CRLF}abc${CRLF}0${CRLF}${CRLF}`),
    node: { accepts: 1, then: 'closed' },
  },
  {
    name: 'Content-Length twice with the same value',
    why: 'llhttp refuses any repeated Content-Length; RFC 9110 leaves it to the recipient',
    bytes: request(post('Content-Length: 5', 'Content-Length: 5'), 'hello'),
    node: refused(),
  },
  {
    name: 'Content-Length twice with different values',
    why: 'the classic CL.CL desync',
    bytes: request(post('Content-Length: 5', 'Content-Length: 6'), 'hello!'),
    node: refused(),
  },
  {
    name: 'Content-Length: 5, 5',
    why: 'a list value for Content-Length: llhttp accepts only digits',
    bytes: request(post('Content-Length: 5, 5'), 'hello'),
    node: refused(),
  },
  {
    name: 'Content-Length followed by a no-break space',
    why: '\\xA0 is not optional whitespace, whatever trim() thinks',
    bytes: request(post('Content-Length: 5\xA0'), 'hello'),
    node: refused(),
  },
  {
    name: 'Content-Length: +5',
    why: 'Number() and parseInt() accept a sign, HTTP does not',
    bytes: request(post('Content-Length: +5'), 'hello'),
    node: refused(),
  },
  {
    name: 'Content-Length: 0x5',
    why: 'Number() reads hex, HTTP does not',
    bytes: request(post('Content-Length: 0x5'), 'hello'),
    node: refused(),
  },
  {
    name: 'Content-Length: -1',
    why: 'negative lengths',
    bytes: request(post('Content-Length: -1'), 'hello'),
    node: refused(),
  },
  {
    name: 'Content-Length with a space between digits',
    why: '"5 5" is neither 5 nor 55',
    bytes: request(post('Content-Length: 5 5'), 'hello'),
    node: refused(),
  },
  {
    name: 'empty Content-Length',
    why: 'an empty value is not 0',
    bytes: request(post('Content-Length:'), ''),
    node: refused(),
  },
  {
    name: 'Content-Length beyond 2^64',
    why: 'overflowing lengths must not wrap',
    bytes: request(post('Content-Length: 99999999999999999999999'), 'hello'),
    node: refused(),
  },
  {
    name: 'Content-Length with leading zeros',
    why: '1*DIGIT allows them: 005 is 5',
    bytes: request(post('Content-Length: 005'), `hello${get('/next')}`),
    node: accepted(2),
  },
  {
    name: 'Content-Length with optional whitespace',
    why: 'whitespace around the value is not part of it',
    bytes: request(post('Content-Length: \t5 '), 'hello'),
    node: accepted(),
  },
  {
    name: 'Content-Length body followed by a pipelined request',
    why: 'the body ends where the length says, and the next request starts there',
    bytes: request(post('Content-Length: 5'), `hello${get('/second')}`),
    node: accepted(2),
  },
  {
    name: 'Content-Length shorter than what follows',
    why: 'the bytes after the body are a request of their own, and a malformed one',
    bytes: request(post('Content-Length: 3'), 'hello'),
    node: refused(400, 1),
  },
  {
    name: 'GET with a Content-Length body',
    why: 'any request may have content; its length still frames the stream',
    bytes: request(['GET /with-body HTTP/1.1', 'Host: a.example', 'Content-Length: 4'], `data${get('/after')}`),
    node: accepted(2),
  },
  {
    name: 'Content-Length beyond the mesh body limit',
    why: 'request bodies are buffered whole, up to 4 MiB',
    bytes: request(post('Content-Length: 5000000'), 'only the start'),
    node: accepted(0),
    ours: { stricter: 'the mesh buffers request bodies for retries, up to 4 MiB (Envoy answers 413 too)' },
  },

  // — Control bytes and line endings in the request line.
  {
    name: 'LF inside the request target',
    why: 'a bare LF ends the line for some parsers: here it would smuggle a Host header',
    bytes: latin1(`GET /x\nHost:evil.example HTTP/1.1${CRLF}Host: good.example${CRLF}${CRLF}`),
    // llhttp reads `GET /x` LF as an HTTP/0.9 request and closes after it, so nothing is smuggled there either.
    node: { accepts: 1, then: 'closed' },
    ours: { stricter: 'HTTP/0.9 has no headers and no framing: a proxy that cannot forward it refuses it (Envoy does)' },
  },
  {
    name: 'CR inside the request target',
    why: 'a bare CR is never part of a line',
    bytes: latin1(`GET /x\rHost:evil.example HTTP/1.1${CRLF}Host: good.example${CRLF}${CRLF}`),
    node: refused(),
  },
  {
    name: 'bare LF line endings throughout',
    why: 'strict llhttp requires CRLF; a parser that waits for CRLFCRLF hangs on these',
    bytes: latin1('GET / HTTP/1.1\nHost: a.example\n\n'),
    node: refused(),
  },
  {
    name: 'bare LF after the request line',
    why: 'the start line must end in CRLF',
    bytes: latin1(`GET / HTTP/1.1\nHost: a.example${CRLF}${CRLF}`),
    node: refused(),
  },
  {
    name: 'bare CR after the request line',
    why: 'a CR not followed by LF',
    bytes: latin1(`GET / HTTP/1.1\rHost: a.example${CRLF}${CRLF}`),
    node: refused(),
  },
  {
    name: 'NUL in the request target',
    why: 'C back ends end strings there',
    bytes: request(['GET /a\x00b HTTP/1.1', 'Host: a.example']),
    node: refused(),
  },
  {
    name: '\\x01 in the request target',
    why: 'control bytes are not URI characters',
    bytes: request(['GET /a\x01b HTTP/1.1', 'Host: a.example']),
    node: refused(),
  },
  {
    name: 'DEL in the request target',
    why: '\\x7F is a control byte, not a URI character',
    bytes: request(['GET /a\x7Fb HTTP/1.1', 'Host: a.example']),
    node: refused(),
  },
  {
    name: 'TAB in the request target',
    why: 'a tab can pass for the separator to a lenient parser',
    bytes: request(['GET /a\tb HTTP/1.1', 'Host: a.example']),
    node: refused(),
  },
  {
    name: 'raw UTF-8 in the request target',
    why: 'a target is ASCII (RFC 3986); strict llhttp refuses bytes above 0x7F there',
    bytes: request(['GET /caf\xC3\xA9 HTTP/1.1', 'Host: a.example']),
    node: refused(),
  },
  {
    name: 'space inside the request target',
    why: 'a request line has exactly two spaces',
    bytes: request(['GET /a b HTTP/1.1', 'Host: a.example']),
    node: refused(),
  },
  {
    name: 'two spaces after the method',
    why: 'llhttp skips extra spaces before the target; a hop that splits on single spaces reads an empty target',
    bytes: request(['GET  / HTTP/1.1', 'Host: a.example']),
    node: accepted(),
    ours: { stricter: 'RFC 9112 §3: a request line with other than single SP separators is invalid, and SHOULD get a 400' },
  },
  {
    name: 'tab instead of the space after the method',
    why: 'only SP separates the request line',
    bytes: request(['GET\t/ HTTP/1.1', 'Host: a.example']),
    node: refused(),
  },
  {
    name: 'trailing space after the version',
    why: 'the version ends the line',
    bytes: request(['GET / HTTP/1.1 ', 'Host: a.example']),
    node: refused(),
  },
  {
    name: 'request line without a version (HTTP/0.9)',
    why: 'HTTP/0.9 has no headers and no framing',
    bytes: request(['GET /', 'Host: a.example']),
    node: { accepts: 1, then: 'closed' },
    ours: { stricter: 'HTTP/0.9 has no headers and no framing: a proxy that cannot forward it refuses it (Envoy does)' },
  },
  {
    name: 'lowercase http/1.1',
    why: 'the protocol name is case-sensitive',
    bytes: request(['GET / http/1.1', 'Host: a.example']),
    node: refused(),
  },
  {
    name: 'HTTP/1.2',
    why: 'an unknown minor version',
    bytes: request(['GET / HTTP/1.2', 'Host: a.example']),
    node: refused(),
  },
  {
    name: 'HTTP/2.0 in an HTTP/1 request line',
    why: 'HTTP/2 does not use this syntax',
    bytes: request(['GET / HTTP/2.0', 'Host: a.example']),
    // llhttp takes 2.0 (for the h2 preface) and node:http answers it as a request that does not keep alive.
    node: { accepts: 1, then: 'closed' },
    ours: { stricter: 'RFC 9112 §2.3: an HTTP/1 server answers 505 to a major version it does not speak' },
  },
  {
    name: 'HTTP/1.10',
    why: 'one digit per version part',
    bytes: request(['GET / HTTP/1.10', 'Host: a.example']),
    node: refused(),
  },
  {
    name: 'lowercase method',
    why: 'methods are case-sensitive and llhttp knows only the registered ones',
    bytes: request(['get / HTTP/1.1', 'Host: a.example']),
    node: refused(),
  },
  {
    name: 'method with a non-token character',
    why: '@ is not a token character',
    bytes: request(['G@T / HTTP/1.1', 'Host: a.example']),
    node: refused(),
  },
  {
    name: 'NUL in the method',
    why: 'a method is a token',
    bytes: request(['GE\x00T / HTTP/1.1', 'Host: a.example']),
    node: refused(),
  },
  {
    name: 'unknown method',
    why: 'llhttp refuses methods outside its table',
    bytes: request(['FOO / HTTP/1.1', 'Host: a.example']),
    node: refused(),
  },
  {
    name: 'registered extension method PURGE',
    why: 'methods llhttp knows beyond the RFC 9110 ones',
    bytes: request(['PURGE /cache HTTP/1.1', 'Host: a.example']),
    node: accepted(),
  },
  {
    name: 'empty line before the request line',
    why: 'RFC 9112 §2.2: a server SHOULD ignore at least one empty line before a request',
    bytes: latin1(`${CRLF}${get('/after-crlf')}`),
    node: accepted(),
  },
  {
    name: 'empty line between pipelined requests',
    why: 'clients that add CRLF after a POST body',
    bytes: latin1(`${request(post('Content-Length: 2'), 'hi').toString('latin1')}${CRLF}${get('/second')}`),
    node: accepted(2),
  },

  // — Header lines.
  {
    name: 'bare LF ending one header line',
    why: 'the LF would start a header line for one parser and sit inside a value for another',
    bytes: latin1(`GET / HTTP/1.1${CRLF}Host: a.example\nX-Injected: 1${CRLF}${CRLF}`),
    node: refused(),
  },
  {
    name: 'bare CR inside a header value',
    why: 'a CR without LF is never data',
    bytes: request(['GET / HTTP/1.1', 'Host: a.example', 'X-A: 1\rX-Injected: 2']),
    node: refused(),
  },
  {
    name: 'NUL in a header value',
    why: 'C back ends cut the value there',
    bytes: request(['GET / HTTP/1.1', 'Host: a.example', 'X-A: a\x00b']),
    node: refused(),
  },
  {
    name: '\\x01 in a header value',
    why: 'control bytes are not field-vchar',
    bytes: request(['GET / HTTP/1.1', 'Host: a.example', 'X-A: a\x01b']),
    node: refused(),
  },
  {
    name: 'DEL in a header value',
    why: '\\x7F is not field-vchar',
    bytes: request(['GET / HTTP/1.1', 'Host: a.example', 'X-A: a\x7Fb']),
    node: refused(),
  },
  {
    name: 'form feed around a Content-Length value',
    why: 'trim() removes \\f, llhttp refuses it',
    bytes: request(post('Content-Length: \x0C5'), 'hello'),
    node: refused(),
  },
  {
    name: 'obs-text in a header value',
    why: 'bytes above 0x7F are allowed in field values (obs-text)',
    bytes: request(['GET / HTTP/1.1', 'Host: a.example', 'X-Name: caf\xC3\xA9 \xFF']),
    node: accepted(),
  },
  {
    name: 'NUL in a header name',
    why: 'names are tokens',
    bytes: request(['GET / HTTP/1.1', 'Host: a.example', 'X-\x00A: 1']),
    node: refused(),
  },
  {
    name: 'DEL in a header name',
    why: 'names are tokens',
    bytes: request(['GET / HTTP/1.1', 'Host: a.example', 'X-\x7FA: 1']),
    node: refused(),
  },
  {
    name: 'header name with a double quote',
    why: 'names are tokens',
    bytes: request(['GET / HTTP/1.1', 'Host: a.example', 'X-"A": 1']),
    node: refused(),
  },
  {
    name: 'obs-fold continuation line',
    why: 'RFC 9112 §5.2: obsolete line folding; a server may refuse it or replace it by spaces',
    bytes: request(['GET / HTTP/1.1', 'Host: a.example', 'X-Folded: a', ' b']),
    node: refused(),
  },
  {
    name: 'whitespace-led first header line',
    why: 'a fold with nothing to continue, which some parsers glue to the request line',
    bytes: request(['GET / HTTP/1.1', ' Host: evil.example', 'Host: a.example']),
    node: refused(),
  },
  {
    name: 'header line without a colon',
    why: 'not a field line at all',
    bytes: request(['GET / HTTP/1.1', 'Host: a.example', 'NoColonHere']),
    node: refused(),
  },
  {
    name: 'whitespace before the colon',
    why: 'RFC 9112 §5.1: a server MUST refuse it (Transfer-Encoding : chunked smuggling)',
    bytes: request(post('Transfer-Encoding : chunked'), `3${CRLF}abc${CRLF}0${CRLF}${CRLF}`),
    node: refused(),
  },
  {
    name: 'empty header name',
    why: 'a line that starts with the colon',
    bytes: request(['GET / HTTP/1.1', 'Host: a.example', ': value']),
    node: refused(),
  },
  {
    name: 'HTTP/1.1 request without Host',
    why: 'RFC 9112 §3.2: a server MUST answer 400 (node: requireHostHeader)',
    bytes: request(['GET / HTTP/1.1', 'X-A: 1']),
    node: refused(),
  },
  {
    name: 'two Host headers',
    why: 'which host is meant depends on which one a hop reads',
    bytes: request(['GET / HTTP/1.1', 'Host: a.example', 'Host: evil.example']),
    node: accepted(),
    ours: { stricter: 'RFC 9112 §3.2: a server MUST answer 400 to more than one Host field line' },
  },
  {
    name: 'HTTP/1.0 request without Host',
    why: 'HTTP/1.0 does not require Host; the connection closes after the answer',
    bytes: request(['GET /old HTTP/1.0']),
    node: { accepts: 1, then: 'closed' },
  },
  {
    name: 'absolute-form target with a different Host header',
    why: 'RFC 9112 §3.2.2: the target authority wins over Host',
    bytes: request(['GET http://b.example:8080/path?q=1 HTTP/1.1', 'Host: a.example']),
    node: accepted(),
  },
  {
    name: 'absolute-form target without a path',
    why: 'the path is / when the authority ends the target',
    bytes: request(['GET http://b.example HTTP/1.1', 'Host: b.example']),
    node: accepted(),
  },
  {
    name: 'asterisk-form OPTIONS',
    why: 'the only method with target *',
    bytes: request(['OPTIONS * HTTP/1.1', 'Host: a.example']),
    node: accepted(),
  },
  {
    name: 'target that is neither a path nor a URI',
    why: 'a bare host name in origin-form position',
    bytes: request(['GET a.example HTTP/1.1', 'Host: a.example']),
    node: refused(),
  },

  // — Keep-alive, pipelining and Expect.
  {
    name: 'HTTP/1.0 keep-alive, pipelined',
    why: 'an HTTP/1.0 connection lives on only when asked to',
    bytes: latin1(`GET /1 HTTP/1.0${CRLF}Connection: keep-alive${CRLF}${CRLF}GET /2 HTTP/1.0${CRLF}${CRLF}`),
    node: { accepts: 2, then: 'closed' },
  },
  {
    name: 'request after Connection: close',
    why: 'nothing after a closing request may be served',
    bytes: latin1(`GET /1 HTTP/1.1${CRLF}Host: a.example${CRLF}Connection: close${CRLF}${CRLF}${get('/2')}`),
    node: refused(400, 1),
  },
  {
    name: 'three pipelined requests in one write',
    why: 'message boundaries inside one read',
    bytes: latin1(`${get('/1')}${request(post('Content-Length: 3'), 'abc').toString('latin1')}${get('/3')}`),
    node: accepted(3),
  },
  {
    name: 'Expect: 100-continue with the body sent at once',
    why: 'a client need not wait for 100 Continue',
    bytes: request(post('Content-Length: 5', 'Expect: 100-continue'), 'hello'),
    node: accepted(),
  },
  {
    name: 'Expect: 100-continue, body withheld',
    why: 'RFC 9110 §10.1.1: a server that will read the body answers 100 Continue at once, or the client stalls',
    bytes: request(post('Content-Length: 5', 'Expect: 100-continue')),
    node: accepted(0),
    interim: 100,
  },

  // — Chunked bodies.
  {
    name: 'chunked body with extensions',
    why: 'chunk extensions are legal and ignored',
    bytes: request(post('Transfer-Encoding: chunked'), `5;name=value;flag${CRLF}hello${CRLF}6;q="a;b"${CRLF} world${CRLF}0${CRLF}${CRLF}`),
    node: accepted(),
  },
  {
    name: 'chunked body then a pipelined request',
    why: 'the last chunk and blank line end the message',
    bytes: request(post('Transfer-Encoding: chunked'), `3${CRLF}abc${CRLF}0${CRLF}${CRLF}${get('/second')}`),
    node: accepted(2),
  },
  {
    name: 'chunk size followed by a space',
    why: 'strict llhttp allows no whitespace after the size ("5 " is not "5")',
    bytes: request(post('Transfer-Encoding: chunked'), `5 ${CRLF}hello${CRLF}0${CRLF}${CRLF}`),
    node: refused(),
  },
  {
    name: 'chunk size followed by a tab and an extension',
    why: 'BWS before ; is where parsers part ways',
    bytes: request(post('Transfer-Encoding: chunked'), `5\t;a=b${CRLF}hello${CRLF}0${CRLF}${CRLF}`),
    node: refused(),
  },
  {
    name: 'chunk size preceded by a space',
    why: 'the size starts the line',
    bytes: request(post('Transfer-Encoding: chunked'), ` 5${CRLF}hello${CRLF}0${CRLF}${CRLF}`),
    node: refused(),
  },
  {
    name: 'chunk size with many leading zeros',
    why: '1*HEXDIG has no length limit: 0000000000000005 is 5',
    bytes: request(post('Transfer-Encoding: chunked'), `0000000000000005${CRLF}hello${CRLF}0${CRLF}${CRLF}`),
    node: accepted(),
  },
  {
    name: 'chunk size beyond 2^64',
    why: 'overflowing sizes must not wrap',
    bytes: request(post('Transfer-Encoding: chunked'), `1ffffffffffffffff${CRLF}hello${CRLF}0${CRLF}${CRLF}`),
    node: refused(),
  },
  {
    name: 'chunk size with a 0x prefix',
    why: 'hex digits only',
    bytes: request(post('Transfer-Encoding: chunked'), `0x5${CRLF}hello${CRLF}0${CRLF}${CRLF}`),
    node: refused(),
  },
  {
    name: 'chunk data longer than its size',
    why: 'the size, not the CRLF, ends the data',
    bytes: request(post('Transfer-Encoding: chunked'), `3${CRLF}hello${CRLF}0${CRLF}${CRLF}`),
    node: refused(),
  },
  {
    name: 'bare LF after a chunk size',
    why: 'chunk lines end in CRLF',
    bytes: request(post('Transfer-Encoding: chunked'), `5\nhello${CRLF}0${CRLF}${CRLF}`),
    node: refused(),
  },
  {
    name: 'bare LF after chunk data',
    why: 'chunk data ends in CRLF',
    bytes: request(post('Transfer-Encoding: chunked'), `5${CRLF}hello\n0${CRLF}${CRLF}`),
    node: refused(),
  },
  {
    name: 'quoted chunk extension value',
    why: 'quoted-string values may hold ; and =',
    bytes: request(post('Transfer-Encoding: chunked'), `5;a="x;y=z"${CRLF}hello${CRLF}0${CRLF}${CRLF}`),
    node: accepted(),
  },
  {
    name: 'chunk extension without a name',
    why: 'a ; must be followed by a token',
    bytes: request(post('Transfer-Encoding: chunked'), `5;${CRLF}hello${CRLF}0${CRLF}${CRLF}`),
    node: refused(),
  },
  {
    name: 'space after the ; of a chunk extension',
    why: 'strict llhttp allows no whitespace in chunk extensions (RFC 9112 BWS is where parsers part ways)',
    bytes: request(post('Transfer-Encoding: chunked'), `3; a${CRLF}abc${CRLF}0${CRLF}${CRLF}`),
    node: refused(),
  },
  {
    name: 'non-token character in a chunk extension name',
    why: 'an extension name is a token',
    bytes: request(post('Transfer-Encoding: chunked'), `3;a@=b${CRLF}abc${CRLF}0${CRLF}${CRLF}`),
    node: refused(),
  },
  {
    name: 'space inside an unquoted chunk extension value',
    why: 'an unquoted value is a token: "b c" needs quotes',
    bytes: request(post('Transfer-Encoding: chunked'), `3;a=b c${CRLF}abc${CRLF}0${CRLF}${CRLF}`),
    node: refused(),
  },
  {
    name: 'obs-text in an unquoted chunk extension value',
    why: 'bytes above 0x7F are allowed only inside quotes',
    bytes: request(post('Transfer-Encoding: chunked'), `3;a=b\xA0${CRLF}abc${CRLF}0${CRLF}${CRLF}`),
    node: refused(),
  },
  {
    name: 'unterminated quoted chunk extension value',
    why: 'a quoted string that runs into the line end',
    bytes: request(post('Transfer-Encoding: chunked'), `3;a="b${CRLF}abc${CRLF}0${CRLF}${CRLF}`),
    node: refused(),
  },
  {
    name: 'control byte in a chunk extension',
    why: 'extensions are tokens and quoted strings, not free text',
    bytes: request(post('Transfer-Encoding: chunked'), `5;a=\x01${CRLF}hello${CRLF}0${CRLF}${CRLF}`),
    node: refused(),
  },
  {
    name: 'bare LF inside a chunk extension',
    why: 'a parser that only looks for CR reads the next line as extension',
    bytes: request(post('Transfer-Encoding: chunked'), `5;a\nb${CRLF}hello${CRLF}0${CRLF}${CRLF}`),
    node: refused(),
  },
  {
    name: 'huge chunk extension',
    why: 'CVE-2024-22019: unbounded extensions let a client make the server read forever',
    bytes: request(post('Transfer-Encoding: chunked'), `5;${'e'.repeat(20 * 1024)}${CRLF}hello${CRLF}0${CRLF}${CRLF}`),
    node: refused(413),
  },
  {
    name: 'trailer field',
    why: 'trailers after the last chunk are part of the message',
    bytes: request(post('Transfer-Encoding: chunked'), `3${CRLF}abc${CRLF}0${CRLF}X-Checksum: 1${CRLF}X-More: 2${CRLF}${CRLF}${get('/second')}`),
    node: accepted(2),
  },
  {
    name: 'trailer line without a colon',
    why: 'trailers are field lines with the same rules as headers',
    bytes: request(post('Transfer-Encoding: chunked'), `3${CRLF}abc${CRLF}0${CRLF}NoColon${CRLF}${CRLF}`),
    node: refused(),
  },
  {
    name: 'control byte in a trailer value',
    why: 'trailers are field lines with the same rules as headers',
    bytes: request(post('Transfer-Encoding: chunked'), `3${CRLF}abc${CRLF}0${CRLF}X-T: a\x00b${CRLF}${CRLF}`),
    node: refused(),
  },
  {
    name: 'huge trailer section',
    why: 'trailers count against the header size limit, or they are an unbounded head',
    bytes: request(post('Transfer-Encoding: chunked'), `3${CRLF}abc${CRLF}0${CRLF}${hugeHeader(70 * 1024)}${CRLF}${CRLF}`),
    node: refused(431),
  },
  {
    name: 'last chunk without its final CRLF, then a pipelined request',
    why: 'the next request line must not be swallowed as a trailer',
    bytes: request(post('Transfer-Encoding: chunked'), `3${CRLF}abc${CRLF}0${CRLF}${get('/smuggled')}`),
    node: refused(),
  },
  {
    name: 'bare LF ending the trailer section',
    why: 'the message ends with CRLF, not LF',
    bytes: request(post('Transfer-Encoding: chunked'), `3${CRLF}abc${CRLF}0${CRLF}\n${get('/second')}`),
    node: refused(),
  },

  // — Heads beyond the size limit (llhttp's default is 16 KiB, ours 60 KiB: both are passed here).
  {
    name: 'head over 60 KiB',
    why: 'header size limits',
    bytes: request(['GET / HTTP/1.1', 'Host: a.example', hugeHeader(62 * 1024)]),
    node: refused(431),
  },
  {
    name: 'head over 60 KiB that never ends',
    why: 'the limit must hold before the blank line arrives',
    bytes: latin1(`GET / HTTP/1.1${CRLF}Host: a.example${CRLF}${hugeHeader(62 * 1024)}`),
    node: refused(431),
  },
  {
    name: 'request line over 60 KiB',
    why: 'the target counts against the limit',
    bytes: request([`GET /${'p'.repeat(62 * 1024)} HTTP/1.1`, 'Host: a.example']),
    node: refused(431),
  },
  {
    name: 'head over 60 KiB pipelined after a request',
    why: 'the limit is per message, and the first one is still served',
    bytes: latin1(`${get('/first')}${request(['GET /second HTTP/1.1', 'Host: a.example', hugeHeader(62 * 1024)]).toString('latin1')}`),
    node: refused(431, 1),
  },
];
