export { parseLaunch, type AppLaunch, type DirectProcess, type UrlOf } from './launch.js';
export { AppRegistry, appRegistry, type RegisteredApp, type Resolve } from './registry.js';
export { AppRegistryError } from './registry-error.js';
