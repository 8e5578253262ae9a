/**
 * How configuration reaches proxies: each proxy opens one long-lived stream to the control plane
 * and receives its whole configuration whenever it changes — App Mesh's
 * StreamAggregatedResources, as server-sent events over local HTTP.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProxyConfig } from '../proxy/config.js';

export class ConfigStreamServer {
  private readonly configs = new Map<string, ProxyConfig>();
  private readonly subscribers = new Map<string, Set<ServerResponse>>();
  private server: Server | undefined;
  port = 0;

  constructor(
    /** Extra routes on the same server (the orchestrator's step and state API). */
    private readonly extra?: (req: IncomingMessage, res: ServerResponse) => boolean,
  ) {}

  async listen(port = 0, host = '127.0.0.1'): Promise<void> {
    const server = createServer((req, res) => this.route(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Stores a proxy's configuration and pushes it to the proxy if it is connected. */
  publish(config: ProxyConfig): void {
    this.configs.set(config.node.id, config);
    for (const res of this.subscribers.get(config.node.id) ?? []) write(res, config);
  }

  connected(nodeId: string): boolean {
    return (this.subscribers.get(nodeId)?.size ?? 0) > 0;
  }

  config(nodeId: string): ProxyConfig | undefined {
    return this.configs.get(nodeId);
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://cp');
    if (req.method === 'GET' && url.pathname === '/v1/stream') {
      const node = url.searchParams.get('node');
      if (!node) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'the node query parameter is required' }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      res.flushHeaders();
      let set = this.subscribers.get(node);
      if (!set) this.subscribers.set(node, (set = new Set()));
      set.add(res);
      req.on('close', () => set.delete(res));
      const config = this.configs.get(node);
      if (config) write(res, config);
      return;
    }
    if (this.extra?.(req, res)) return;
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `no such endpoint: ${req.method} ${url.pathname}` }));
  }

  async close(): Promise<void> {
    for (const set of this.subscribers.values()) for (const res of set) res.end();
    this.subscribers.clear();
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function write(res: ServerResponse, config: ProxyConfig): void {
  res.write(`event: config\ndata: ${JSON.stringify(config)}\n\n`);
}

/**
 * The proxy's side: keeps one stream open, reconnecting after a short pause if it drops, and
 * hands every configuration received to `onConfig`.
 */
export function subscribe(controlPlaneUrl: string, nodeId: string, onConfig: (config: ProxyConfig) => void, onState?: (connected: boolean) => void): () => void {
  let stopped = false;
  let current: ReturnType<typeof request> | undefined;
  const connect = () => {
    if (stopped) return;
    const url = new URL('/v1/stream', controlPlaneUrl);
    url.searchParams.set('node', nodeId);
    current = request(url, { agent: false }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        retry();
        return;
      }
      onState?.(true);
      res.setEncoding('utf8');
      let buffered = '';
      res.on('data', (chunk: string) => {
        buffered += chunk;
        let end: number;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const event = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const data = event
            .split('\n')
            .filter((line) => line.startsWith('data: '))
            .map((line) => line.slice(6))
            .join('\n');
          if (data) onConfig(JSON.parse(data) as ProxyConfig);
        }
      });
      res.on('end', retry);
      res.on('error', retry);
    });
    current.on('error', retry);
    current.end();
  };
  let pending: NodeJS.Timeout | undefined;
  const retry = () => {
    onState?.(false);
    if (stopped || pending) return;
    pending = setTimeout(() => {
      pending = undefined;
      connect();
    }, 300);
  };
  connect();
  return () => {
    stopped = true;
    clearTimeout(pending);
    current?.destroy();
  };
}
