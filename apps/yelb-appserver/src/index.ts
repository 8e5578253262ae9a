export { ALLOWED_METHODS, createAppserverApp, type AppserverApp, type AppserverDeps } from './app.js';
export { CORS_HEADERS } from './replies.js';
export {
  APP_VERSIONS,
  DEFAULT_PORT,
  ORIGINAL_DATABASE,
  RACK_ENVS,
  readAppserverConfig,
  type AppVersion,
  type AppserverConfig,
  type RackEnv,
} from './config.js';
export { DependencyUnavailableError, type DependencyName } from './dependency.js';
export { PAGEVIEWS_KEY, createRedisPageviews, type PageviewCounter, type RedisPageviews } from './pageviews.js';
export { RESTAURANTS, isRestaurant, type Restaurant, type Vote } from './restaurants.js';
export { ensureSchema } from './schema.js';
export { V2_HOSTNAME, reportedHostname, startAppserver, type AppserverOptions } from './start.js';
export {
  GET_VOTES_SQL,
  VOTE_SQL,
  createPool,
  createPostgresVotes,
  timedQuery,
  type PostgresVotes,
  type PostgresVotesOptions,
  type VotesStore,
} from './votes-store.js';
