/**
 * The latest traces the run's X-Ray stand-in received (`GET /v1/traces`) and, for the one
 * selected, a waterfall of its segments and subsegments: gateway → sidecars → apps → Postgres
 * and Redis. Bars are positioned in percentages, so the drawing follows the panel's width.
 */
import { useCallback, useEffect, useState } from 'react';
import { formatDuration, traceSummary, waterfall, type TraceDocument, type TraceListItem } from '../../waterfall.js';

const OUTCOME_MARK = { ok: '', error: '⚠ ', fault: '✕ ' } as const;

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return (await res.json()) as T;
}

export function TracesPanel({ tracing }: { tracing: boolean }) {
  const [traces, setTraces] = useState<TraceListItem[] | null>(null);
  const [selected, setSelected] = useState<{ id: string; segments: TraceDocument[] } | null>(null);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(() => {
    getJson<TraceListItem[]>('/v1/traces?limit=15').then(
      (list) => {
        setTraces(list);
        setError(null);
      },
      (e: unknown) => setError(`Traces could not be read: ${e instanceof Error ? e.message : String(e)}`),
    );
  }, []);
  useEffect(() => {
    if (!tracing) return;
    refresh();
    // New requests keep arriving; a slow poll keeps the list current without a flood of reads.
    const timer = setInterval(refresh, 3000);
    return () => clearInterval(timer);
  }, [tracing, refresh]);

  const open = (id: string) => {
    getJson<TraceDocument[]>(`/v1/traces/${encodeURIComponent(id)}`).then(
      (segments) => setSelected({ id, segments }),
      (e: unknown) => setError(`Trace ${id} could not be read: ${e instanceof Error ? e.message : String(e)}`),
    );
  };

  if (!tracing) return <p data-testid="tracing-off">Tracing is off in this walkthrough: no proxy sets ENABLE_ENVOY_XRAY_TRACING at this step (yelb-canary-observability does).</p>;
  const { rows, totalMs } = selected ? waterfall(selected.segments) : { rows: [], totalMs: 0 };
  return (
    <div className="traces">
      <div className="trace-list">
        <p className="hint">
          Latest traces{' '}
          <button type="button" onClick={refresh} data-testid="traces-refresh">
            Refresh
          </button>
        </p>
        {error && <p role="alert" className="warning">{error}</p>}
        {traces?.length === 0 && <p data-testid="traces-empty">No traces yet: send requests through an entry.</p>}
        <ul>
          {(traces ?? []).map((t) => {
            const s = traceSummary(t);
            return (
              <li key={t.traceId}>
                <button type="button" onClick={() => open(t.traceId)} aria-pressed={selected?.id === t.traceId} data-testid="trace-item" data-trace={t.traceId} title={t.traceId}>
                  {OUTCOME_MARK[s.outcome]}
                  {new Date(s.startedAt).toLocaleTimeString()} {s.name} · {formatDuration(s.totalMs)} · {s.spans} spans
                </button>
              </li>
            );
          })}
        </ul>
      </div>
      <div className="waterfall-box">
        {selected ? (
          <table className="waterfall" data-testid="waterfall" aria-label={`Trace ${selected.id}, ${formatDuration(totalMs)}`}>
            <thead>
              <tr>
                <th scope="col">Span</th>
                <th scope="col">Duration</th>
                <th scope="col">Timeline (0 – {formatDuration(totalMs)})</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id} data-testid="span" data-depth={r.depth} data-outcome={r.outcome} tabIndex={0}>
                  <th scope="row" style={{ paddingLeft: `${4 + r.depth * 12}px` }} className={r.subsegment ? 'subsegment' : undefined} title={r.name}>
                    {OUTCOME_MARK[r.outcome]}
                    <span data-testid="span-name">{r.name}</span>
                    {r.status !== undefined ? ` (${r.status})` : ''}
                  </th>
                  <td data-testid="span-duration">{formatDuration(r.durationMs)}</td>
                  <td className="bar-cell">
                    <span
                      className={`bar bar-${r.outcome}${r.subsegment ? ' bar-sub' : ''}`}
                      data-testid="span-bar"
                      style={{ left: `${(r.offset * 100).toFixed(3)}%`, width: `${(r.width * 100).toFixed(3)}%` }}
                      title={`starts at ${formatDuration(r.startMs)}, takes ${formatDuration(r.durationMs)}`}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="hint">Select a trace to see its spans.</p>
        )}
      </div>
    </div>
  );
}
