/**
 * The traces panel's arithmetic: X-Ray segment documents (as the run's `GET /v1/traces` returns
 * them) as waterfall rows — each span's offset and width as fractions of the whole trace, its
 * depth under its parent — so the layout is tested without a browser.
 */

/** A segment or subsegment document, as sent to the X-Ray daemon; only the fields drawn here. */
export interface TraceDocument {
  id: string;
  name: string;
  start_time: number;
  end_time?: number;
  parent_id?: string;
  type?: string;
  /** Subsegments may also arrive embedded in their segment rather than as documents of their own. */
  subsegments?: TraceDocument[];
  fault?: boolean;
  error?: boolean;
  http?: { response?: { status?: number } };
  [key: string]: unknown;
}

export interface TraceListItem {
  traceId: string;
  segments: TraceDocument[];
}

export interface WaterfallRow {
  id: string;
  name: string;
  depth: number;
  subsegment: boolean;
  /** Milliseconds from the trace's first start to this span's start. */
  startMs: number;
  /** Undefined while the span has no end time (still open when the trace was read). */
  durationMs: number | undefined;
  /** Where the bar starts and how long it is, as fractions of the trace (0..1). */
  offset: number;
  width: number;
  status?: number;
  /** X-Ray's fault (5xx, exception) or error (4xx) flag. */
  outcome: 'ok' | 'error' | 'fault';
}

export interface Waterfall {
  rows: WaterfallRow[];
  totalMs: number;
}

interface Node {
  doc: TraceDocument;
  subsegment: boolean;
  /** The document this one was embedded in, if it was. */
  container?: string;
}

/**
 * Rows in tree order (each span followed by its children, siblings by start time). A span whose
 * parent is not in the trace (its segment not received yet) is shown at the top level rather
 * than hidden; a repeated id keeps its first document, since X-Ray resends in-progress segments.
 */
export function waterfall(segments: readonly TraceDocument[]): Waterfall {
  const nodes = new Map<string, Node>();
  const visit = (doc: TraceDocument, container?: string) => {
    if (typeof doc.id !== 'string' || typeof doc.start_time !== 'number' || nodes.has(doc.id)) return;
    nodes.set(doc.id, { doc, subsegment: container !== undefined || doc.type === 'subsegment', ...(container !== undefined ? { container } : {}) });
    for (const sub of doc.subsegments ?? []) visit(sub, doc.id);
  };
  for (const s of segments) visit(s);
  if (nodes.size === 0) return { rows: [], totalMs: 0 };

  const children = new Map<string | undefined, Node[]>();
  for (const node of nodes.values()) {
    const parent = node.container ?? (node.doc.parent_id !== undefined && nodes.has(node.doc.parent_id) ? node.doc.parent_id : undefined);
    const list = children.get(parent) ?? [];
    list.push(node);
    children.set(parent, list);
  }
  const byStart = (a: Node, b: Node) => a.doc.start_time - b.doc.start_time || a.doc.name.localeCompare(b.doc.name);

  const all = [...nodes.values()];
  const t0 = Math.min(...all.map((n) => n.doc.start_time));
  const t1 = Math.max(...all.map((n) => Math.max(n.doc.start_time, n.doc.end_time ?? n.doc.start_time)));
  const total = t1 - t0;
  const fraction = (seconds: number) => (total > 0 ? seconds / total : 0);

  const rows: WaterfallRow[] = [];
  const placed = new Set<string>();
  const place = (node: Node, depth: number) => {
    if (placed.has(node.doc.id)) return;
    placed.add(node.doc.id);
    const { doc } = node;
    const end = doc.end_time ?? t1;
    const status = doc.http?.response?.status;
    rows.push({
      id: doc.id,
      name: doc.name,
      depth,
      subsegment: node.subsegment,
      startMs: (doc.start_time - t0) * 1000,
      durationMs: doc.end_time !== undefined ? (doc.end_time - doc.start_time) * 1000 : undefined,
      offset: fraction(doc.start_time - t0),
      width: fraction(Math.max(0, end - doc.start_time)),
      ...(typeof status === 'number' ? { status } : {}),
      outcome: doc.fault ? 'fault' : doc.error ? 'error' : 'ok',
    });
    for (const child of (children.get(doc.id) ?? []).sort(byStart)) place(child, depth + 1);
  };
  for (const root of (children.get(undefined) ?? []).sort(byStart)) place(root, 0);
  // Parents that point at each other in a loop have no root to be reached from: still show them.
  for (const node of all.filter((n) => !placed.has(n.doc.id)).sort(byStart)) place(node, 0);
  return { rows, totalMs: total * 1000 };
}

/** One line for the trace list: the first span's name, how long the whole trace took, how many spans. */
export function traceSummary(trace: TraceListItem): { name: string; startedAt: number; totalMs: number; spans: number; outcome: WaterfallRow['outcome'] } {
  const { rows, totalMs } = waterfall(trace.segments);
  const first = rows[0];
  const outcome = rows.some((r) => r.outcome === 'fault') ? 'fault' : rows.some((r) => r.outcome === 'error') ? 'error' : 'ok';
  const starts = trace.segments.map((s) => s.start_time).filter((t) => typeof t === 'number');
  return { name: first?.name ?? '(no spans)', startedAt: starts.length > 0 ? Math.min(...starts) * 1000 : 0, totalMs, spans: rows.length, outcome };
}

/** A duration as the panel prints it: `0.42 ms`, `12.3 ms`, `1.25 s`. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return 'open';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}
