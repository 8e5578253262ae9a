/**
 * A local stand-in for the X-Ray daemon sidecar: it receives segment documents over UDP the way
 * the daemon does (a JSON header line, then the segment) and keeps them by trace, so a learner —
 * or a test — can see one request through ui → appserver → db as one trace with a span per hop.
 */
import { createSocket, type Socket } from 'node:dgram';

export interface Segment {
  trace_id: string;
  id: string;
  parent_id?: string;
  name: string;
  start_time: number;
  end_time?: number;
  [key: string]: unknown;
}

export class XrayDaemon {
  private socket: Socket | undefined;
  private readonly traces = new Map<string, Segment[]>();
  port = 0;
  /** Segments that were not X-Ray documents; the daemon drops them, we count them. */
  rejected = 0;

  async listen(port = 0): Promise<void> {
    const socket = createSocket('udp4');
    this.socket = socket;
    socket.on('message', (message) => this.receive(message.toString('utf8')));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, '127.0.0.1', () => resolve());
    });
    this.port = socket.address().port;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  private receive(text: string): void {
    const newline = text.indexOf('\n');
    try {
      const header = JSON.parse(text.slice(0, newline)) as { format?: string };
      const segment = JSON.parse(text.slice(newline + 1)) as Segment;
      if (header.format !== 'json' || !segment.trace_id || !segment.id) throw new Error('not a segment');
      const list = this.traces.get(segment.trace_id) ?? [];
      list.push(segment);
      this.traces.set(segment.trace_id, list);
      // Keep memory bounded on a long-running demo.
      if (this.traces.size > 5000) this.traces.delete(this.traces.keys().next().value!);
    } catch {
      this.rejected++;
    }
  }

  trace(id: string): Segment[] {
    return [...(this.traces.get(id) ?? [])].sort((a, b) => a.start_time - b.start_time);
  }

  /** The most recent traces, newest first. */
  recent(limit = 20): { traceId: string; segments: Segment[] }[] {
    return [...this.traces.keys()]
      .slice(-limit)
      .reverse()
      .map((traceId) => ({ traceId, segments: this.trace(traceId) }));
  }

  close(): void {
    this.socket?.close();
    this.socket = undefined;
  }
}
