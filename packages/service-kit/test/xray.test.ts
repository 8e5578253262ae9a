import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTracing, formatTraceHeader, newSegmentId, newTraceId, parseTraceHeader, sendSegment } from '../src/xray.js';

/** The local addresses of this machine's IPv4 UDP sockets bound to `port` (`/proc/net/udp`, little-endian hex). */
function udpAddressesOnPort(port: number): string[] {
  return readFileSync('/proc/net/udp', 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/)[1]!.split(':'))
    .filter(([, hexPort]) => parseInt(hexPort!, 16) === port)
    .map(([hexAddress]) => Buffer.from(hexAddress!, 'hex').reverse().join('.'));
}

describe('trace headers', () => {
  it('parses what Envoy and the X-Ray SDKs send, and rejects malformed roots', () => {
    expect(parseTraceHeader('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1')).toEqual({
      root: '1-5759e988-bd862e3fe1be46a994272793',
      parent: '53995c3f42cd8ad8',
      sampled: true,
    });
    expect(parseTraceHeader('Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0')?.sampled).toBe(false);
    expect(parseTraceHeader('Root=nonsense')).toBeUndefined();
    expect(parseTraceHeader(undefined)).toBeUndefined();
  });

  it('makes ids in X-Ray’s formats', () => {
    expect(newTraceId(Date.UTC(2026, 0, 1))).toMatch(/^1-695[0-9a-f]{5}-[0-9a-f]{24}$/);
    expect(newSegmentId()).toMatch(/^[0-9a-f]{16}$/);
    expect(parseTraceHeader(formatTraceHeader(newTraceId(), 'abcdef0123456789'))?.parent).toBe('abcdef0123456789');
  });
});

describe('createTracing', () => {
  const received: Record<string, unknown>[] = [];
  const senders: number[] = [];
  const daemon = createSocket('udp4');
  let address = '';
  beforeAll(async () => {
    daemon.on('message', (message, from) => {
      senders.push(from.port);
      const [header, body] = message.toString().split('\n');
      expect(JSON.parse(header!)).toEqual({ format: 'json', version: 1 });
      received.push(JSON.parse(body!) as Record<string, unknown>);
    });
    await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
    address = `127.0.0.1:${daemon.address().port}`;
  });
  afterAll(() => daemon.close());

  it('sends a subsegment under the parent the incoming header names', async () => {
    const tracing = createTracing(address);
    const header = formatTraceHeader('1-5759e988-bd862e3fe1be46a994272793', '53995c3f42cd8ad8');
    const value = await tracing.run(header, () => tracing.subsegment('yelb-db', { namespace: 'remote' }, async () => 42));
    expect(value).toBe(42);
    await expect.poll(() => received.length).toBe(1);
    expect(received[0]).toMatchObject({
      type: 'subsegment',
      trace_id: '1-5759e988-bd862e3fe1be46a994272793',
      parent_id: '53995c3f42cd8ad8',
      name: 'yelb-db',
      namespace: 'remote',
    });
  });

  it('sends nothing outside a trace, for unsampled requests, or without a daemon', async () => {
    const before = received.length;
    await createTracing(address).subsegment('x', {}, async () => 1);
    const tracing = createTracing(address);
    await tracing.run('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0', () => tracing.subsegment('x', {}, async () => 1));
    const off = createTracing(undefined);
    await off.run(formatTraceHeader(newTraceId(), newSegmentId()), () => off.subsegment('x', {}, async () => 1));
    await new Promise((r) => setTimeout(r, 50));
    expect(received.length).toBe(before);
  });

  it('marks a failing call as a fault and still rethrows', async () => {
    const tracing = createTracing(address);
    const before = received.length;
    await expect(
      tracing.run(formatTraceHeader(newTraceId(), newSegmentId()), () =>
        tracing.subsegment('yelb-db', {}, async () => {
          throw new Error('down');
        }),
      ),
    ).rejects.toThrow('down');
    await expect.poll(() => received.length).toBe(before + 1);
    expect(received.at(-1)).toMatchObject({ fault: true });
  });

  it('sends to a daemon on this machine from a socket bound to loopback, not to every interface', async () => {
    const before = received.length;
    sendSegment(address, { type: 'subsegment', name: 'probe' });
    await expect.poll(() => received.length).toBe(before + 1);
    expect(udpAddressesOnPort(senders.at(-1)!)).toEqual(['127.0.0.1']);
  });
});
