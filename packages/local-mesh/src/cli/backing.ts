/**
 * Postgres and Redis for the Yelb walkthroughs, found the way `pnpm dev` finds them (env URL,
 * local server, embedded fallback), with a database and a Redis logical database per
 * walkthrough so the two Yelb walkthroughs never share votes.
 */
import { embeddedPostgres, embeddedRedis, findPostgres, findRedis, type BackingService } from '@amw/dev-stack';
import { walkthroughs, type Walkthrough } from '@amw/mesh-manifests';
import type { BackingUrls } from '../orchestrator/run.js';

export function needsBacking(walkthrough: Walkthrough): { postgres: boolean; redis: boolean } {
  const components = new Set(walkthrough.clusters.flatMap((c) => c.resources).flatMap((r) => (r.kind === 'Workload' ? [r.spec.component] : [])));
  for (const step of walkthrough.steps) {
    for (const change of step.changes) if (change.op === 'put' && change.resource.kind === 'Workload') components.add(change.resource.spec.component);
  }
  return { postgres: components.has('postgres'), redis: components.has('redis') };
}

export interface Backing {
  urls: BackingUrls;
  services: BackingService[];
  describe: string[];
}

export async function findBacking(needs: { postgres: boolean; redis: boolean }, log: (line: string) => void): Promise<Backing> {
  const services: BackingService[] = [];
  const urls: BackingUrls = {};
  const describe: string[] = [];
  if (needs.postgres) {
    const pg = await findPostgres({ embedded: () => embeddedPostgres({ log }) });
    services.push(pg);
    urls.postgres = pg.url;
    describe.push(`Postgres: ${pg.description}`);
  }
  if (needs.redis) {
    const redis = await findRedis({ embedded: () => embeddedRedis({ log }) });
    services.push(redis);
    urls.redis = redis.url;
    describe.push(`Redis: ${redis.description}`);
  }
  return { urls, services, describe };
}

/**
 * The Redis logical database of a walkthrough: the one REDIS_URL names, when it names one (so a
 * test or a shared server can confine the local mesh), else one per walkthrough (1, 2, …).
 */
export function redisDbFor(redisUrl: string | undefined, walkthrough: Walkthrough): number {
  const named = redisUrl ? /^\/(\d+)$/.exec(new URL(redisUrl).pathname)?.[1] : undefined;
  return named !== undefined ? Number(named) : walkthroughs.indexOf(walkthrough) + 1;
}

/** `yelb-multi-account` → `yelb_multi_account`: one database per walkthrough. */
export function databaseFor(walkthrough: Walkthrough): string {
  return walkthrough.name.replace(/[^a-z0-9]+/g, '_');
}
