import { describe, expect, it } from 'vitest';
import { BodyScanner } from '../src/http1/body.js';
import {
  HttpParseError,
  getHeader,
  parseRequestHead,
  parseResponseHead,
  removeHeader,
  serialiseRequestHead,
  setHeader,
  withoutHopByHop,
} from '../src/http1/head.js';

const head = (lines: string[]) => lines.join('\r\n');

describe('request heads', () => {
  it('reads origin-form, absolute-form (HTTP_PROXY clients) and CONNECT targets', () => {
    const origin = parseRequestHead(head(['GET /tell?x=1 HTTP/1.1', 'Host: colorteller-1:9080']));
    expect(origin).toMatchObject({ method: 'GET', path: '/tell?x=1', authority: 'colorteller-1:9080', keepAlive: true, framing: { kind: 'none' } });
    const absolute = parseRequestHead(head(['GET http://jazz.prod.svc.cluster.local:9080?q=1 HTTP/1.1', 'Host: ignored']));
    expect(absolute).toMatchObject({ path: '/?q=1', authority: 'jazz.prod.svc.cluster.local:9080' });
    expect(parseRequestHead(head(['CONNECT jazz:9080 HTTP/1.1', 'Host: jazz:9080']))).toMatchObject({ authority: 'jazz:9080', framing: { kind: 'none' } });
  });

  it('knows keep-alive rules of HTTP/1.0 and 1.1 and the Connection header', () => {
    expect(parseRequestHead(head(['GET / HTTP/1.0', 'Host: a'])).keepAlive).toBe(false);
    expect(parseRequestHead(head(['GET / HTTP/1.0', 'Connection: keep-alive'])).keepAlive).toBe(true);
    expect(parseRequestHead(head(['GET / HTTP/1.1', 'Connection: Upgrade, close'])).keepAlive).toBe(false);
  });

  it('frames bodies by Content-Length or chunked encoding', () => {
    expect(parseRequestHead(head(['POST / HTTP/1.1', 'Content-Length: 12'])).framing).toEqual({ kind: 'length', length: 12 });
    expect(parseRequestHead(head(['POST / HTTP/1.1', 'Content-Length: 3, 3'])).framing).toEqual({ kind: 'length', length: 3 });
    expect(parseRequestHead(head(['POST / HTTP/1.1', 'Transfer-Encoding: chunked'])).framing).toEqual({ kind: 'chunked' });
  });

  it.each([
    ['a malformed request line', ['GET /'], 400],
    ['an unknown protocol', ['GET / HTTP/2.0'], 505],
    ['a header without a colon', ['GET / HTTP/1.1', 'Host'], 400],
    ['obsolete line folding', ['GET / HTTP/1.1', 'X-A: 1', ' continued'], 400],
    ['a space in a header name', ['GET / HTTP/1.1', 'Bad Name: 1'], 400],
    ['conflicting Content-Lengths', ['POST / HTTP/1.1', 'Content-Length: 3', 'Content-Length: 4'], 400],
    ['Content-Length with Transfer-Encoding (request smuggling)', ['POST / HTTP/1.1', 'Content-Length: 3', 'Transfer-Encoding: chunked'], 400],
    ['a transfer coding that is not chunked last', ['POST / HTTP/1.1', 'Transfer-Encoding: chunked, gzip'], 400],
    ['a negative Content-Length', ['POST / HTTP/1.1', 'Content-Length: -1'], 400],
  ])('refuses %s', (_what, lines, status) => {
    let error: unknown;
    try {
      parseRequestHead(head(lines));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HttpParseError);
    expect((error as HttpParseError).status).toBe(status);
  });
});

describe('response heads', () => {
  it('knows which answers carry no body', () => {
    expect(parseResponseHead(head(['HTTP/1.1 204 No Content']), 'GET').framing).toEqual({ kind: 'none' });
    expect(parseResponseHead(head(['HTTP/1.1 304 Not Modified', 'Content-Length: 10']), 'GET').framing).toEqual({ kind: 'none' });
    expect(parseResponseHead(head(['HTTP/1.1 200 OK', 'Content-Length: 10']), 'HEAD').framing).toEqual({ kind: 'none' });
  });

  it('ends an unframed body at close, and then the connection cannot be reused', () => {
    const response = parseResponseHead(head(['HTTP/1.0 200 OK']), 'GET');
    expect(response.framing).toEqual({ kind: 'close' });
    expect(response.keepAlive).toBe(false);
  });

  it('reads the status line', () => {
    expect(parseResponseHead(head(['HTTP/1.1 503 Service Unavailable', 'Content-Length: 0']), 'GET')).toMatchObject({ status: 503, reason: 'Service Unavailable' });
    expect(() => parseResponseHead('NOT HTTP', 'GET')).toThrow(HttpParseError);
  });
});

describe('headers', () => {
  it('drops hop-by-hop headers and those the Connection header names, keeping the rest in order', () => {
    const headers = ['Host', 'a', 'Connection', 'keep-alive, X-Secret', 'X-Secret', 's', 'Keep-Alive', 'timeout=5', 'X-Kept', '1', 'Transfer-Encoding', 'chunked'];
    expect(withoutHopByHop(headers)).toEqual(['Host', 'a', 'X-Kept', '1', 'Transfer-Encoding', 'chunked']);
  });

  it('sets, replaces (collapsing repeats) and removes case-insensitively', () => {
    const headers = ['host', 'a', 'X-Request-Id', '1', 'x-request-id', '2'];
    setHeader(headers, 'x-request-id', '3');
    expect(headers).toEqual(['host', 'a', 'X-Request-Id', '3']);
    setHeader(headers, 'server', 'envoy');
    removeHeader(headers, 'host');
    expect(headers).toEqual(['X-Request-Id', '3', 'server', 'envoy']);
    expect(getHeader(headers, 'server')).toBe('envoy');
  });

  it('serialises a request head the way it will travel', () => {
    expect(serialiseRequestHead('GET', '/x', ['Host', 'a']).toString('latin1')).toBe('GET /x HTTP/1.1\r\nHost: a\r\n\r\n');
  });
});

describe('body framing', () => {
  it('finds the end of a chunked body split anywhere, and its payload', () => {
    const wire = Buffer.from('5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\nNEXT');
    for (let split = 1; split < wire.length - 4; split++) {
      const payload: Buffer[] = [];
      const scanner = new BodyScanner({ kind: 'chunked' }, (slice) => payload.push(Buffer.from(slice)));
      const first = scanner.scan(wire.subarray(0, split));
      expect(first.done).toBe(false);
      const second = scanner.scan(wire.subarray(split));
      expect(second.done).toBe(true);
      expect(first.used + second.used).toBe(wire.length - 4);
      expect(Buffer.concat(payload).toString()).toBe('hello world');
    }
  });

  it('counts Content-Length bodies and stops at their end', () => {
    const scanner = new BodyScanner({ kind: 'length', length: 5 });
    expect(scanner.scan(Buffer.from('abc'))).toEqual({ used: 3, done: false });
    expect(scanner.scan(Buffer.from('deNEXT'))).toEqual({ used: 2, done: true });
  });

  it('refuses malformed chunk framing', () => {
    expect(() => new BodyScanner({ kind: 'chunked' }).scan(Buffer.from('zz\r\n'))).toThrow(HttpParseError);
    expect(() => new BodyScanner({ kind: 'chunked' }).scan(Buffer.from('3\r\nabcX'))).toThrow(HttpParseError);
    expect(() => new BodyScanner({ kind: 'chunked' }).scan(Buffer.from('1000000000000\r\n'))).toThrow(/too large/);
  });
});
