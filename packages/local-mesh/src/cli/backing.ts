/**
 * Postgres and Redis for the Yelb walkthroughs, found the way `pnpm dev` finds them (env URL,
 * local server, embedded fallback), with a database and a Redis logical database per
 * walkthrough so the two Yelb walkthroughs never share votes.
 */
import { embeddedPostgres, embeddedRedis, findPostgres, findRedis, type BackingService } from '@amw/dev-stack';
import type { Walkthrough } from '@amw/mesh-manifests';
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

/** `yelb-multi-account` → `yelb_multi_account`: one database per walkthrough. */
export function databaseFor(walkthrough: Walkthrough): string {
  return walkthrough.name.replace(/[^a-z0-9]+/g, '_');
}
