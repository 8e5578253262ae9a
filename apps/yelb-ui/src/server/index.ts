export { createYelbUiApp, type YelbUiAppOptions } from './app.js';
export { createApiForwarder, type ApiForwarderOptions } from './api-forwarder.js';
export { DEFAULT_APPSERVER_ENDPOINT, describeEndpoint, readYelbUiConfig, type YelbUiConfig } from './config.js';
export { createStaticSite, StaticSiteMissingError, type StaticSite } from './static-files.js';
export { DEFAULT_STATIC_DIR, startYelbUi, type StartYelbUiOptions } from './start.js';
