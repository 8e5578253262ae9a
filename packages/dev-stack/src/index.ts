export {
  LOCAL_POSTGRES_URL,
  LOCAL_REDIS_URL,
  NoBackingServiceError,
  databaseUrl,
  findPostgres,
  findRedis,
  type BackingService,
  type BackingSource,
  type LookupOptions,
} from './backing.js';
export { BindAddressError, LOOPBACK, exposureWarning, parseBindAddress } from './bind-address.js';
export { dockerAnswers, postgresAnswers, redisAnswers } from './probe.js';
export { DEFAULT_PGLITE_DIR, embeddedPostgres, type EmbeddedPostgresOptions } from './embedded/postgres.js';
export { embeddedRedis, type EmbeddedRedisOptions } from './embedded/redis.js';
export { startRedisStandIn, type RedisStandIn, type RedisStandInOptions } from './redis/server.js';
export { findRepoRoot } from './repo-root.js';
export * from './supervisor/index.js';
