/**
 * The Redis of a fresh machine: the in-process stand-in of `../redis/server.ts` on a free port.
 * It answers the commands our apps and ioredis use, keeps data in memory only, and says so.
 */
import type { BackingService } from '../backing.js';
import { startRedisStandIn } from '../redis/server.js';

export interface EmbeddedRedisOptions {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Where the one line announcing the fallback goes. Default: stderr. */
  log?: (line: string) => void;
}

export async function embeddedRedis(options: EmbeddedRedisOptions = {}): Promise<BackingService> {
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const server = await startRedisStandIn({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  log(
    `Redis: using the in-process stand-in at ${server.url} (a fallback, not Redis: strings and expiries only, ` +
      'data lost on exit). For a real server, start redis-server on 127.0.0.1:6379 or set REDIS_URL.',
  );
  return {
    url: server.url,
    source: 'embedded',
    description: `in-process Redis stand-in at ${server.host}:${server.port} (data in memory only)`,
    stop: () => server.close(),
  };
}
