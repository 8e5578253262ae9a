export { ConfigError, env, readConfig, type ConfigOf, type ConfigShape, type Env, type VarSpec } from './config.js';
export { LOG_LEVELS, createLogger, type LogFields, type LogLevel, type Logger, type LoggerOptions } from './logger.js';
export { createMetrics, type ServiceMetrics } from './metrics.js';
export { createHttpClient, type HttpClient, type HttpClientOptions } from './http-client.js';
export {
  createServiceApp,
  jsonErrorHandler,
  jsonNotFound,
  requestMetrics,
  ROUTE_LABEL,
  runMain,
  startService,
  type RunningService,
  type ServiceAppOptions,
  type StartOptions,
} from './server.js';
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
export { redactUrl } from './urls.js';
