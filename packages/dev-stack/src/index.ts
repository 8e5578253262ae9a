export {
  LOCAL_POSTGRES_URL,
  LOCAL_REDIS_URL,
  NoBackingServiceError,
  findPostgres,
  findRedis,
  redact,
  type BackingService,
  type BackingSource,
  type LookupOptions,
} from './backing.js';
export { dockerAnswers, postgresAnswers, redisAnswers } from './probe.js';
