/**
 * A TCP relay in front of a real Postgres or Redis that the soak run can take down and bring
 * back. The machine's servers are shared with other work, so an outage is simulated here and
 * never on them: down = stop listening and cut every relayed connection (what clients see when a
 * server crashes), up = listen again on the same port (what they see when it comes back).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface RelayCounts {
  /** Client connections accepted since the relay was created. */
  accepted: number;
  /** Connections destroyed by `down()` (both sides counted as one). */
  cut: number;
}

export class TcpRelay {
  private server: Server | undefined;
  private readonly pairs = new Set<{ client: Socket; upstream: Socket }>();
  private boundPort = 0;
  readonly counts: RelayCounts = { accepted: 0, cut: 0 };

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** A relay to the server of `url` (its host and port; `defaultPort` when the URL has none). */
  static async to(url: string, defaultPort: number): Promise<TcpRelay> {
    const parsed = new URL(url);
    const relay = new TcpRelay(parsed.hostname.replace(/^\[|\]$/g, ''), Number(parsed.port || defaultPort));
    await relay.up();
    return relay;
  }

  get port(): number {
    return this.boundPort;
  }

  get listening(): boolean {
    return this.server !== undefined;
  }

  /** `url` with its host and port replaced by the relay's; credentials, database and options kept. */
  through(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.boundPort);
    return parsed.toString();
  }

  async up(): Promise<void> {
    if (this.server) return;
    // Between down() and up() some other socket on the machine may briefly hold the port (an
    // outgoing connection's ephemeral port, say): try a few times before giving up.
    for (let attempt = 0; ; attempt++) {
      try {
        this.server = await this.listen(this.boundPort);
        this.boundPort = (this.server.address() as { port: number }).port;
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 20) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    for (const pair of this.pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
      this.counts.cut++;
    }
    this.pairs.clear();
    await closed;
  }

  close(): Promise<void> {
    return this.down();
  }

  private listen(port: number): Promise<Server> {
    return new Promise((resolve, reject) => {
      const server = createServer((client) => this.relay(client));
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve(server);
      });
    });
  }

  private relay(client: Socket): void {
    this.counts.accepted++;
    const upstream = connect({ host: this.targetHost, port: this.targetPort });
    const pair = { client, upstream };
    this.pairs.add(pair);
    // Either side going away ends both, as a server crash or a client's reset would.
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.pairs.delete(pair);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
  }
}
