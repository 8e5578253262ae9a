/**
 * What `@amw/local-mesh` needs from the console: where the built page is (so it serves it
 * without knowing this package's folder), the snapshot it sends, and the split arithmetic.
 */
import { fileURLToPath } from 'node:url';

/** The built page (`vite build`): the same folder whether this runs from src/ or dist/. */
export const webRoot: string = fileURLToPath(new URL('../dist/web/', import.meta.url));

export * from './snapshot.js';
export * from './split.js';
export * from './steps.js';
export * from './load.js';
export * from './waterfall.js';
export * from './health.js';
export * from './access-log.js';
