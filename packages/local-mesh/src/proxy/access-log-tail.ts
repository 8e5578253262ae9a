/**
 * The tail of a proxy's access log that its admin port serves the console (`GET /access_log`):
 * the newest lines with query values redacted, and counts by status and response flag.
 */
/** An access log line as `/access_log` returns it. */
export interface TailLine {
  line: string;
  /** The line's own start time, ms since the epoch. */
  at: number;
  status: number;
  /** Envoy's response flags (`NR`: no route, e.g. an undeclared host under DROP_ALL); none on Kong's lines. */
  flags: string[];
}

/** Envoy's default format and Kong's combined format, as `access-log.ts` and the Kong gateway write them. */
const ENVOY_LINE = /^\[([^\]]+)\] "[^"]*" (\d{1,3}) (\S+) /;
const KONG_LINE = /^\S+ - - \[([^\]]+)\] "[^"]*" (\d{3}) /;
/** Query values may carry secrets (Kong's key-auth accepts `?apikey=`): the tail never shows them. */
const QUERY_VALUE = /([?&][^=&\s"]+=)[^&\s"]*/g;
export const TAIL_LIMIT = { default: 50, max: 200 } as const;

/**
 * The access log lines this process wrote — to stdout, where App Mesh's `/dev/stdout` access logs
 * and Kong's go, as `kubectl logs` would show them, or to a file — the newest kept, and every
 * line's status and flags counted since the process started (Kong's 401s and 429s, Envoy's NRs).
 * A line in neither format is not kept.
 */
export class AccessLogTail {
  private readonly kept: TailLine[] = [];
  total = 0;
  readonly byStatus: Record<string, number> = {};
  readonly flags: Record<string, number> = {};

  /** Reads one chunk of output: whole lines, as the access log sinks write one line a call. */
  record(chunk: string): void {
    for (const raw of chunk.split('\n')) {
      const envoy = ENVOY_LINE.exec(raw);
      const kong = envoy ? undefined : KONG_LINE.exec(raw);
      const match = envoy ?? kong;
      if (!match) continue;
      const at = Date.parse(match[1]!);
      const status = Number(match[2]);
      const flags = envoy && envoy[3] !== '-' ? envoy[3]!.split(',') : [];
      this.total++;
      this.byStatus[String(status)] = (this.byStatus[String(status)] ?? 0) + 1;
      for (const flag of flags) this.flags[flag] = (this.flags[flag] ?? 0) + 1;
      this.kept.push({ line: raw.replace(QUERY_VALUE, '$1[redacted]'), at: Number.isNaN(at) ? Date.now() : at, status, flags });
      if (this.kept.length > TAIL_LIMIT.max) this.kept.shift();
    }
  }

  lines(limit: number): TailLine[] {
    return this.kept.slice(-limit);
  }
}

/** This process's tail: every access log sink (`access-log.ts`) records its lines here as it writes them. */
export const accessLogTail = new AccessLogTail();
