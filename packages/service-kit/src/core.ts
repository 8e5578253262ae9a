/**
 * The part of service-kit that loads no HTTP framework: configuration, logs, `runMain`, URLs and
 * X-Ray. The local mesh's proxies start from here: one runs beside every workload, so the
 * Express, prom-client and undici they would never use are memory every sidecar would pay for.
 */
export { ConfigError, DEFAULT_BIND_ADDRESS, env, readConfig, type ConfigOf, type ConfigShape, type Env, type VarSpec } from './config.js';
export { LOG_LEVELS, createLogger, type LogFields, type LogLevel, type Logger, type LoggerOptions } from './logger.js';
export { runMain } from './run-main.js';
export { redactUrl } from './urls.js';
export {
  createTracing,
  formatTraceHeader,
  newSegmentId,
  newTraceId,
  parseTraceHeader,
  sendSegment,
  type TraceHeader,
  type Tracing,
} from './xray.js';
