// Real HTTP servers on loopback for the DJ to call: backends and a recording stand-in for the
// sidecar's egress listener.
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Seen {
  method: string;
  url: string;
  host: string | undefined;
}

export interface TestServer {
  readonly url: string;
  readonly port: number;
  readonly seen: Seen[];
  close(): Promise<void>;
}

export async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', host: req.headers.host });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: bound by us a moment ago, then released. */
export async function closedPort(): Promise<number> {
  const server = await listen(() => {});
  await server.close();
  return server.port;
}

/**
 * A forward proxy like the local mesh's sidecar: it accepts absolute-form requests, records
 * them, and forwards every one to `origin` whatever host was asked for (its idea of routing).
 */
export function recordingProxy(origin: TestServer): Promise<TestServer> {
  return listen((req, res) => {
    const forward = request(
      { host: '127.0.0.1', port: origin.port, method: req.method, path: new URL(req.url ?? '/').pathname, headers: req.headers },
      (upstream) => {
        res.writeHead(upstream.statusCode ?? 502, upstream.headers);
        upstream.pipe(res);
      },
    );
    forward.on('error', () => res.writeHead(503).end('upstream connect error'));
    req.pipe(forward);
  });
}
