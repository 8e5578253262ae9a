export { devMain } from './main.js';
export { runDev, type DevIo } from './run.js';
export { DEFAULT_PORT_BASE, devServices, portSpan, type DevContext, type DevService } from './services.js';
