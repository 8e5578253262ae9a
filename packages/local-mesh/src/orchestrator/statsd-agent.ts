/**
 * A local stand-in for the CloudWatch agent sidecar that receives Envoy's DogStatsD metrics on
 * 8125/udp: it sums counters and keeps the last value of gauges per metric and tag set, which is
 * what the agent would publish to CloudWatch under the walkthrough's namespace.
 */
import { createSocket, type Socket } from 'node:dgram';

export interface AgentMetric {
  name: string;
  type: 'counter' | 'gauge';
  value: number;
  tags: Record<string, string>;
}

export class StatsdAgent {
  private socket: Socket | undefined;
  private readonly metrics = new Map<string, AgentMetric>();
  port = 0;
  /** Lines that were not DogStatsD; the agent drops them, we count them. */
  rejected = 0;

  async listen(): Promise<void> {
    const socket = createSocket('udp4');
    this.socket = socket;
    socket.on('message', (message) => {
      for (const line of message.toString('utf8').split('\n')) if (line) this.receive(line);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => resolve());
    });
    this.port = socket.address().port;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** `name:value|c|#tag:value,tag:value` (also `|g`). */
  private receive(line: string): void {
    const match = /^([^:|]+):(-?[\d.]+)\|(c|g)(?:\|@[\d.]+)?(?:\|#(.*))?$/.exec(line);
    if (!match) {
      this.rejected++;
      return;
    }
    const [, name, raw, kind, tagText] = match;
    const tags = Object.fromEntries((tagText ?? '').split(',').filter(Boolean).map((t) => {
      const colon = t.indexOf(':');
      return colon < 0 ? [t, ''] : [t.slice(0, colon), t.slice(colon + 1)];
    }));
    const key = `${name}|${Object.entries(tags).sort().map(([k, v]) => `${k}:${v}`).join(',')}`;
    const value = Number(raw);
    const existing = this.metrics.get(key);
    if (kind === 'c') this.metrics.set(key, { name: name!, type: 'counter', value: (existing?.value ?? 0) + value, tags });
    else this.metrics.set(key, { name: name!, type: 'gauge', value, tags });
  }

  /** The metrics received so far, optionally only those whose name starts with `prefix`. */
  snapshot(prefix = ''): AgentMetric[] {
    return [...this.metrics.values()].filter((m) => m.name.startsWith(prefix)).sort((a, b) => a.name.localeCompare(b.name));
  }

  close(): void {
    this.socket?.close();
    this.socket = undefined;
  }
}
