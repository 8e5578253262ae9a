/**
 * What each API route answers, independent of how the request reached it. Every route is a GET
 * with no parameters beyond its path, so a route is just a function to a Reply.
 */
import type { PageviewCounter } from './pageviews.js';
import { jsonReply, textReply, type Reply } from './replies.js';
import { RESTAURANTS } from './restaurants.js';
import type { VotesStore } from './votes-store.js';

export interface ApiRoute {
  /** The path as Express declares it, also the `route` label in /metrics. */
  readonly route: string;
  readonly run: () => Promise<Reply>;
}

export interface RouteDeps {
  votes: VotesStore;
  pageviews: PageviewCounter;
  hostname: string;
}

/** Keyed by exact request path (`/api/ihop`), the shape the fast path looks up. */
export function apiRoutes({ votes, pageviews, hostname }: RouteDeps): Map<string, ApiRoute> {
  const routes = new Map<string, ApiRoute>([
    ['/api/getvotes', { route: '/api/getvotes', run: async () => jsonReply(await votes.getVotes()) }],
    ['/api/getstats', { route: '/api/getstats', run: async () => jsonReply({ hostname, pageviews: await pageviews.increment() }) }],
    ['/api/pageviews', { route: '/api/pageviews', run: async () => jsonReply(await pageviews.increment()) }],
    ['/api/hostname', { route: '/api/hostname', run: async () => textReply(hostname) }],
  ]);
  for (const name of RESTAURANTS) {
    routes.set(`/api/${name}`, { route: '/api/:restaurant', run: async () => textReply(String(await votes.vote(name))) });
  }
  return routes;
}
