import { describe, expect, it } from 'vitest';
import { formatDuration, traceSummary, waterfall, type TraceDocument } from '../src/waterfall.js';

// ui's proxy → ui app → appserver's proxy → appserver → Postgres and Redis, as the run receives them.
const t = 1_700_000_000;
const trace: TraceDocument[] = [
  { id: 'db', name: 'postgres', type: 'subsegment', parent_id: 'app2', start_time: t + 0.03, end_time: t + 0.05 },
  { id: 'gw', name: 'mesh/yelb/virtualGateway/gw', start_time: t, end_time: t + 0.1, http: { response: { status: 200 } } },
  { id: 'app1', name: 'yelb-ui', parent_id: 'gw', start_time: t + 0.005, end_time: t + 0.095 },
  { id: 'app2', name: 'yelb-appserver', parent_id: 'app1', start_time: t + 0.02, end_time: t + 0.09, subsegments: [{ id: 'redis', name: 'redis', start_time: t + 0.06, end_time: t + 0.07, error: true }] },
];

describe('waterfall', () => {
  it('nests spans under their parents, siblings by start, with offsets and widths as fractions of the trace', () => {
    const { rows, totalMs } = waterfall(trace);
    expect(totalMs).toBeCloseTo(100, 3);
    expect(rows.map((r) => [r.name, r.depth, r.subsegment])).toEqual([
      ['mesh/yelb/virtualGateway/gw', 0, false],
      ['yelb-ui', 1, false],
      ['yelb-appserver', 2, false],
      ['postgres', 3, true],
      ['redis', 3, true],
    ]);
    const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
    expect(byName['mesh/yelb/virtualGateway/gw']).toMatchObject({ offset: 0, width: 1, startMs: 0, status: 200, outcome: 'ok' });
    expect(byName.postgres!.offset).toBeCloseTo(0.3, 3);
    expect(byName.postgres!.width).toBeCloseTo(0.2, 3);
    expect(byName.postgres!.durationMs).toBeCloseTo(20, 3);
    expect(byName.redis!.offset).toBeCloseTo(0.6, 3);
    expect(byName.redis!.outcome).toBe('error');
    for (const r of rows) expect(r.offset + r.width).toBeLessThanOrEqual(1 + 1e-6);
  });

  it('shows a span whose parent has not arrived at the top, and an open span up to the trace end', () => {
    const { rows } = waterfall([
      { id: 'a', name: 'orphan', parent_id: 'missing', start_time: t + 1, end_time: t + 2 },
      { id: 'b', name: 'open', start_time: t, fault: true },
    ]);
    expect(rows.map((r) => [r.name, r.depth, r.offset, r.width, r.durationMs, r.outcome])).toEqual([
      ['open', 0, 0, 1, undefined, 'fault'],
      ['orphan', 0, 0.5, 0.5, 1000, 'ok'],
    ]);
  });

  it('keeps the first document of a repeated id, survives a parent loop, and handles an empty or instant trace', () => {
    const looped = waterfall([
      { id: 'x', name: 'x', parent_id: 'y', start_time: t, end_time: t + 1 },
      { id: 'y', name: 'y', parent_id: 'x', start_time: t + 0.5, end_time: t + 1 },
      { id: 'x', name: 'x again', start_time: t, end_time: t + 9 },
    ]);
    expect(looped.rows.map((r) => [r.name, r.depth])).toEqual([
      ['x', 0],
      ['y', 1],
    ]);
    expect(looped.totalMs).toBe(1000);
    expect(waterfall([])).toEqual({ rows: [], totalMs: 0 });
    expect(waterfall([{ id: 'i', name: 'instant', start_time: t, end_time: t }]).rows[0]).toMatchObject({ offset: 0, width: 0, durationMs: 0 });
  });
});

describe('traceSummary and formatDuration', () => {
  it('names a trace by its first span, with its length, span count and worst outcome', () => {
    const s = traceSummary({ traceId: '1-abc', segments: trace });
    expect([s.name, s.spans, s.outcome, s.startedAt]).toEqual(['mesh/yelb/virtualGateway/gw', 5, 'error', t * 1000]);
    expect(s.totalMs).toBeCloseTo(100, 3);
    expect(traceSummary({ traceId: 'none', segments: [] })).toEqual({ name: '(no spans)', startedAt: 0, totalMs: 0, spans: 0, outcome: 'ok' });
  });

  it('prints durations at a useful precision', () => {
    expect([0.4213, 12.34, 1250, undefined].map(formatDuration)).toEqual(['0.42 ms', '12.3 ms', '1.25 s', 'open']);
  });
});
