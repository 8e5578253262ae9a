/** Small statistics and formatting helpers for the benchmark's report. */
import type { Memory } from './processes.js';

export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index]!;
}

export function median(values: number[]): number {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return NaN;
  const mid = finite.length >> 1;
  return finite.length % 2 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
}

export function fixed(value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

export function megabytes(kb: number): string {
  return Number.isFinite(kb) ? (kb / 1024).toFixed(1) : 'n/a';
}

/** A plain-text table with right-aligned figures and a left-aligned first column. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** A sidecar's memory at the three moments the benchmarks sample it. */
export interface SidecarMemory {
  name: string;
  idle?: Memory;
  atRate?: Memory;
  atConnections?: Memory;
}

/** The "memory per sidecar" section both benchmarks print: RSS / PSS / private at each moment. */
export function memoryTable(sidecars: readonly SidecarMemory[], settings: { rate: number; connections: number }): string[] {
  const mem = (m: Memory | undefined) => (m ? `${megabytes(m.rss)} / ${megabytes(m.pss)} / ${megabytes(m.private)}` : 'n/a');
  return [
    '3. Memory per sidecar, MB: RSS / PSS / private (PSS and private discount the Node binary pages all sidecars share)',
    table(
      ['sidecar', 'idle', `peak at ${settings.rate} req/s`, `peak at ${settings.connections} connections`],
      sidecars.map((s) => [s.name, mem(s.idle), mem(s.atRate), mem(s.atConnections)]),
    ),
  ];
}
