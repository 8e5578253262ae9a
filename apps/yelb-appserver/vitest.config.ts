import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@amw/source'] },
  ssr: { resolve: { conditions: ['@amw/source'] } },
  // Real databases on a shared 2-core machine: CREATE DATABASE alone can take seconds under load.
  test: { include: ['test/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 30_000 },
});
