/**
 * The two Kong plugins the DJ walkthrough uses, with Kong's answers and headers: key-auth (a key
 * in the `apikey` header or query parameter, matched against the consumers' credentials) and
 * rate-limiting with `policy: local` (fixed windows aligned on the clock, counted in this process).
 */
import { getHeader, type HeaderList } from '../http1/head.js';
import type { KongConsumerConfig, KongPluginConfig } from './config.js';

export interface KongAnswer {
  status: number;
  message: string;
  headers: HeaderList;
}

export interface PluginContext {
  headers: HeaderList;
  query: URLSearchParams;
  clientIp: string;
  consumer?: KongConsumerConfig;
  /** Headers Kong adds to the answer whether it proxies or refuses. */
  responseHeaders: HeaderList;
}

export function keyAuth(plugin: KongPluginConfig, consumers: KongConsumerConfig[], ctx: PluginContext): KongAnswer | undefined {
  const keyNames = (plugin.config.key_names as string[] | undefined) ?? ['apikey'];
  let key: string | undefined;
  for (const name of keyNames) {
    key = getHeader(ctx.headers, name.toLowerCase()) ?? ctx.query.get(name) ?? undefined;
    if (key !== undefined) break;
  }
  const challenge = ['WWW-Authenticate', 'Key realm="kong"'];
  if (key === undefined || key === '') return { status: 401, message: 'No API key found in request', headers: challenge };
  const consumer = consumers.find((c) => c.keys.includes(key));
  if (!consumer) return { status: 401, message: 'Unauthorized', headers: challenge };
  ctx.consumer = consumer;
  return undefined;
}

const WINDOWS: Record<string, number> = { second: 1, minute: 60, hour: 3600, day: 86400 };

/** Counters of the `local` policy: per plugin instance, identifier and window start. */
export class LocalRateLimiter {
  private readonly counts = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  check(plugin: KongPluginConfig, ctx: PluginContext): KongAnswer | undefined {
    const limits = Object.entries(WINDOWS).filter(([period]) => typeof plugin.config[period] === 'number');
    if (limits.length === 0) return undefined;
    const identifier = ctx.consumer?.id ?? ctx.clientIp;
    const nowSeconds = this.now() / 1000;
    let exceeded: { reset: number } | undefined;
    let tightest: { limit: number; remaining: number; reset: number } | undefined;
    for (const [period, seconds] of limits) {
      const limit = plugin.config[period] as number;
      const windowStart = Math.floor(nowSeconds / seconds) * seconds;
      const key = `${plugin.instance}|${identifier}|${period}|${windowStart}`;
      const used = this.counts.get(key) ?? 0;
      const reset = Math.ceil(windowStart + seconds - nowSeconds);
      const periodName = period[0]!.toUpperCase() + period.slice(1);
      if (used >= limit) {
        exceeded = { reset: Math.max(exceeded?.reset ?? 0, reset) };
        ctx.responseHeaders.push(`X-RateLimit-Limit-${periodName}`, String(limit), `X-RateLimit-Remaining-${periodName}`, '0');
        tightest = { limit, remaining: 0, reset };
        continue;
      }
      this.counts.set(key, used + 1);
      const remaining = limit - used - 1;
      ctx.responseHeaders.push(`X-RateLimit-Limit-${periodName}`, String(limit), `X-RateLimit-Remaining-${periodName}`, String(remaining));
      if (!tightest || remaining < tightest.remaining) tightest = { limit, remaining, reset };
    }
    if (tightest) {
      ctx.responseHeaders.push('RateLimit-Limit', String(tightest.limit), 'RateLimit-Remaining', String(tightest.remaining), 'RateLimit-Reset', String(tightest.reset));
    }
    this.forgetOldWindows(nowSeconds);
    if (exceeded) return { status: 429, message: 'API rate limit exceeded', headers: ['Retry-After', String(exceeded.reset)] };
    return undefined;
  }

  private forgetOldWindows(nowSeconds: number): void {
    if (this.counts.size < 10_000) return;
    for (const key of this.counts.keys()) {
      const [, , period, start] = key.split('|');
      if (Number(start) + WINDOWS[period!]! < nowSeconds) this.counts.delete(key);
    }
  }
}
