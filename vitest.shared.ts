/**
 * What every package's Vitest configuration shares: sources resolved through the `@amw/source`
 * export condition (no build needed before a test), and timeouts that fit CI, where every
 * package's tests share two cores and spawning a process can take seconds.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@amw/source'] },
  ssr: { resolve: { conditions: ['@amw/source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
