#!/usr/bin/env node
/**
 * Entry point of `pnpm dev:direct` (scripts/with-pnpm.mjs builds this package and the apps it
 * depends on first). The runner is dev-stack's; it lives here because this package is the one
 * that depends on the apps, and dev-stack cannot: the apps' tests depend on it.
 */
import { devMain } from '@amw/dev-stack/dev';
import { ourApps } from '../our-apps.js';

await devMain(process.argv.slice(2), ourApps);
