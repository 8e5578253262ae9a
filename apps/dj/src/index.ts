export { GREETING, createDjApp, type DjDeps } from './app.js';
export { DEFAULT_JAZZ_URL, DEFAULT_METAL_URL, readDjConfig, type DjConfig } from './config.js';
export { UpstreamFailure, callUpstream, type Upstream, type UpstreamAnswer } from './upstream.js';
