export * from './core.js';
export { createMetrics, type ServiceMetrics } from './metrics.js';
export { createHttpClient, type HttpClient, type HttpClientOptions } from './http-client.js';
export {
  createServiceApp,
  jsonErrorHandler,
  jsonNotFound,
  requestMetrics,
  ROUTE_LABEL,
  startService,
  type RunningService,
  type ServiceAppOptions,
  type StartOptions,
} from './server.js';
