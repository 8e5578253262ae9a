/**
 * The page-view counter in Redis (key `pageviews`, as in the original). Redis is not needed for
 * votes, so while it is down only the page-view endpoints answer 503. Commands are not queued
 * while disconnected: a request fails at once instead of waiting for a reconnect that may never
 * come, and reconnects back off to a bounded delay.
 */
import { Redis } from 'ioredis';
import type { Logger } from '@amw/service-kit';
import { DependencyState, DependencyUnavailableError } from './dependency.js';

export const PAGEVIEWS_KEY = 'pageviews';

export interface PageviewCounter {
  /** Adds one page view and returns the new total. */
  increment(): Promise<number>;
}

export interface RedisPageviews extends PageviewCounter {
  readonly client: Redis;
  /** Resolves once the first connection attempt succeeded or failed (or after `timeoutMs`). */
  firstConnection(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

const MAX_RECONNECT_DELAY_MS = 2000;
const COMMAND_TIMEOUT_MS = 2000;

export function reconnectDelay(attempt: number): number {
  return Math.min(50 * 2 ** Math.min(attempt, 10), MAX_RECONNECT_DELAY_MS);
}

export function createRedisPageviews(options: { redisUrl: string; logger: Logger }): RedisPageviews {
  const state = new DependencyState('redis', options.logger);
  let closing = false;
  const client = new Redis(options.redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: COMMAND_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    retryStrategy: reconnectDelay,
  });
  client.on('ready', () => state.up());
  client.on('error', (error: unknown) => state.down(error));
  client.on('close', () => {
    // Our own shutdown is not an outage.
    if (state.isUp && !closing) state.down(new Error('connection closed'));
  });

  return {
    client,
    async increment() {
      try {
        return await client.incr(PAGEVIEWS_KEY);
      } catch (error) {
        // Redis answered with an error (e.g. the key holds text): a data problem, not an outage.
        if ((error as Error | undefined)?.name === 'ReplyError') throw error;
        state.down(error);
        throw new DependencyUnavailableError('redis', { cause: error });
      }
    },
    firstConnection(timeoutMs) {
      if (client.status === 'ready') return Promise.resolve();
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          client.off('ready', done).off('error', done);
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        client.once('ready', done).once('error', done);
      });
    },
    async close() {
      closing = true;
      if (client.status === 'ready') {
        await client.quit().catch(() => client.disconnect());
      } else {
        client.disconnect();
      }
    },
  };
}
