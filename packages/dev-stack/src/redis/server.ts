/**
 * A small in-process Redis stand-in served over TCP with RESP2. It exists so `pnpm dev` works on
 * a machine with only Node; it is not a Redis: string values and expiries only, in memory only,
 * no persistence, no pub/sub, no transactions (see the package README for the command list).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { execute, type Session } from './commands.js';
import { Keyspace } from './keyspace.js';
import { CommandReader, ProtocolError, encodeReply, reply } from './resp.js';

export interface RedisStandInOptions {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
}

export interface RedisStandIn {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  /** Cuts every client connection, the way a server restart would (data stays). */
  dropConnections(): void;
  close(): Promise<void>;
}

export async function startRedisStandIn(options: RedisStandInOptions = {}): Promise<RedisStandIn> {
  const host = options.host ?? '127.0.0.1';
  const keyspace = new Keyspace();
  const sockets = new Set<Socket>();
  const startedAt = Date.now();
  let nextId = 1;
  let port = options.port ?? 0;

  const facts = { get port() { return port; }, startedAt, connectedClients: () => sockets.size };

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const session: Session = { id: nextId++, db: 0, name: undefined, closing: false };
    const reader = new CommandReader();
    socket.on('data', (chunk) => {
      let commands: Buffer[][];
      try {
        commands = reader.push(chunk);
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
        socket.end(encodeReply(reply.error(`ERR Protocol error: ${error.message}`)));
        return;
      }
      // One write per chunk keeps pipelined replies in order and cheap.
      const replies: Buffer[] = [];
      for (const args of commands) {
        replies.push(encodeReply(execute({ session, keyspace, facts, now: Date.now }, args)));
        if (session.closing) break;
      }
      if (session.closing) socket.end(Buffer.concat(replies));
      else if (replies.length > 0) socket.write(Buffer.concat(replies));
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      port = (server.address() as { port: number }).port;
      resolve();
    });
  });

  const sweeper = setInterval(() => keyspace.sweep(), 1000);
  sweeper.unref();

  const dropConnections = () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };

  return {
    host,
    port,
    url: `redis://${host.includes(':') ? `[${host}]` : host}:${port}`,
    dropConnections,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(sweeper);
        server.close(() => resolve());
        dropConnections();
      }),
  };
}
