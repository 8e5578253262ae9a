/**
 * The access-log tail a proxy's admin port serves the console (`GET /access_log`): lines in
 * Envoy's and Kong's formats kept and counted as the sinks write them (not whatever else reaches stdout), query
 * values never shown, and bad requests answered with a JSON error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessLogSink } from '../src/proxy/access-log.js';
import { AccessLogTail, TAIL_LIMIT } from '../src/proxy/access-log-tail.js';
import { startAdmin } from '../src/proxy/admin.js';
import { ProxyRuntime } from '../src/proxy/runtime.js';

const envoy = (status: number, flags = '-', path = '/') => `[2026-01-02T03:04:05.678Z] "GET ${path} HTTP/1.1" ${status} ${flags} 0 5 1 1 "-" "curl/8" "id" "svc-v" "127.0.0.1:9"`;
const kong = (status: number, path = '/dj/jazz') => `127.0.0.1 - - [2026-01-02T03:04:06.000Z] "GET ${path} HTTP/1.1" ${status} 41 "-" "node"`;

describe('AccessLogTail', () => {
  it('keeps and counts Envoy and Kong lines, with statuses and flags, and ignores other output', () => {
    const tail = new AccessLogTail();
    tail.record(`${envoy(200)}\n`);
    tail.record(`{"level":"info","msg":"configuration applied"}\n${envoy(404, 'NR')}\n`);
    tail.record(`${kong(401)}\n${kong(429)}\n${kong(401)}\n`);
    expect(tail.total).toBe(5);
    expect(tail.byStatus).toEqual({ '200': 1, '404': 1, '401': 2, '429': 1 });
    expect(tail.flags).toEqual({ NR: 1 });
    expect(tail.lines(2).map((l) => [l.status, l.at])).toEqual([
      [429, Date.parse('2026-01-02T03:04:06.000Z')],
      [401, Date.parse('2026-01-02T03:04:06.000Z')],
    ]);
    expect(tail.lines(5)[1]).toMatchObject({ status: 404, flags: ['NR'], at: Date.parse('2026-01-02T03:04:05.678Z') });
  });

  it('never shows query values (a key may be one), and keeps at most the newest 200 lines', () => {
    const tail = new AccessLogTail();
    tail.record(kong(200, '/dj/jazz?apikey=kong-secret&x=1'));
    expect(tail.lines(1)[0]!.line).toContain('"GET /dj/jazz?apikey=[redacted]&x=[redacted] HTTP/1.1"');
    expect(tail.lines(1)[0]!.line).not.toContain('kong-secret');
    for (let i = 0; i < 250; i++) tail.record(envoy(200, '-', `/${i}`));
    expect(tail.lines(1000)).toHaveLength(TAIL_LIMIT.max);
    expect(tail.lines(1)[0]!.line).toContain('GET /249 ');
    expect(tail.total).toBe(251);
  });
});

describe('GET /access_log on the admin port', () => {
  let base: string;
  let close: () => void;
  beforeAll(async () => {
    const admin = await startAdmin(new ProxyRuntime(), 0);
    base = `http://127.0.0.1:${admin.port}`;
    close = () => admin.server.close();
  });
  afterAll(() => close());

  it('answers the tail of what the access log sinks wrote as JSON, not what else went to stdout', async () => {
    accessLogSink('/dev/stdout')(kong(429, '/dj/metal?apikey=hidden'));
    process.stdout.write(`${kong(500, '/dj/printed-elsewhere')}\n`);
    const res = await fetch(`${base}/access_log?limit=200`);
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = (await res.json()) as { total: number; byStatus: Record<string, number>; lines: { line: string; status: number }[] };
    const mine = body.lines.filter((l) => l.line.includes('/dj/metal'));
    expect(mine).toEqual([expect.objectContaining({ status: 429, line: expect.stringContaining('/dj/metal?apikey=[redacted]') })]);
    expect(body.byStatus['429']).toBeGreaterThanOrEqual(1);
    expect(body.lines.some((l) => l.line.includes('/dj/printed-elsewhere'))).toBe(false);
  });

  it('refuses a bad limit and other methods with a JSON error', async () => {
    for (const limit of ['-1', '201', 'x', '1.5']) {
      const res = await fetch(`${base}/access_log?limit=${limit}`);
      expect([res.status, ((await res.json()) as { error: string }).error], limit).toEqual([400, `limit must be a whole number from 0 to 200, not "${limit}"`]);
    }
    const post = await fetch(`${base}/access_log`, { method: 'POST' });
    expect([post.status, post.headers.get('allow'), ((await post.json()) as { error: string }).error]).toEqual([405, 'GET, HEAD', 'POST is not allowed on /access_log; use GET']);
  });
});
