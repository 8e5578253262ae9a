/**
 * A stand-in for raw.githubusercontent.com on 127.0.0.1, so the download is tested without the
 * internet: it serves the files it is given by URL path, records every request, and can cut a
 * response short after promising its full length (a transfer that broke off).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServedFile {
  content: Uint8Array;
  /** Send only this many bytes of a response whose Content-Length promised them all, then close. */
  cutAfter?: number;
}

export interface FakeUpstream {
  baseUrl: string;
  /** Paths requested, in order. */
  requests: string[];
  close(): Promise<void>;
}

export async function startFakeUpstream(files: ReadonlyMap<string, ServedFile>): Promise<FakeUpstream> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    const path = request.url ?? '';
    requests.push(path);
    const served = files.get(path);
    if (!served) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('404: Not Found');
      return;
    }
    response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': served.content.length });
    if (served.cutAfter === undefined) {
      response.end(served.content);
      return;
    }
    response.write(served.content.subarray(0, served.cutAfter), () => response.socket?.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A base URL where nothing listens: a port just given up by a server (connection refused), like a machine offline. */
export async function unreachableBaseUrl(): Promise<string> {
  const upstream = await startFakeUpstream(new Map());
  await upstream.close();
  return upstream.baseUrl;
}
