/**
 * Access log lines in Envoy's default format, which is what App Mesh writes when a virtual node
 * or gateway sets `logging.accessLog.file.path`:
 *
 *   [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE%
 *   %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%
 *   "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { accessLogTail } from './access-log-tail.js';

export interface HttpAccessEntry {
  startTime: Date;
  method: string;
  path: string;
  protocol: string;
  status: number;
  flags: string[];
  bytesReceived: number;
  bytesSent: number;
  durationMs: number;
  upstreamServiceTimeMs?: number;
  forwardedFor?: string;
  userAgent?: string;
  requestId?: string;
  authority?: string;
  upstreamHost?: string;
}

export interface TcpAccessEntry {
  startTime: Date;
  bytesReceived: number;
  bytesSent: number;
  durationMs: number;
  flags: string[];
  upstreamHost?: string;
}

const dash = (value: string | number | undefined) => (value === undefined || value === '' ? '-' : String(value));

export function formatHttpAccess(e: HttpAccessEntry): string {
  return (
    `[${e.startTime.toISOString()}] "${e.method} ${e.path} ${e.protocol}" ${e.status} ${e.flags.length ? e.flags.join(',') : '-'} ` +
    `${e.bytesReceived} ${e.bytesSent} ${Math.round(e.durationMs)} ${dash(e.upstreamServiceTimeMs)} ` +
    `"${dash(e.forwardedFor)}" "${dash(e.userAgent)}" "${dash(e.requestId)}" "${dash(e.authority)}" "${dash(e.upstreamHost)}"`
  );
}

export function formatTcpAccess(e: TcpAccessEntry): string {
  return (
    `[${e.startTime.toISOString()}] "- - -" 0 ${e.flags.length ? e.flags.join(',') : '-'} ` +
    `${e.bytesReceived} ${e.bytesSent} ${Math.round(e.durationMs)} - "-" "-" "-" "-" "${dash(e.upstreamHost)}"`
  );
}

export type AccessLogSink = (line: string) => void;

const files = new Map<string, WriteStream>();

/** Where a configured access log path writes: stdout/stderr, or an appended file. */
export function accessLogSink(path: string): AccessLogSink {
  const write = writerFor(path);
  // Every line also goes to the tail the admin port serves the console.
  return (line) => {
    accessLogTail.record(line);
    write(line);
  };
}

function writerFor(path: string): AccessLogSink {
  if (path === '/dev/stdout') return (line) => void process.stdout.write(line + '\n');
  if (path === '/dev/stderr') return (line) => void process.stderr.write(line + '\n');
  let stream = files.get(path);
  if (!stream) {
    stream = createWriteStream(path, { flags: 'a' });
    files.set(path, stream);
  }
  const target = stream;
  return (line) => void target.write(line + '\n');
}
