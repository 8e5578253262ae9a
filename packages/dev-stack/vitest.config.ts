import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@amw/source'] },
  ssr: { resolve: { conditions: ['@amw/source'] } },
  // These tests start real processes and servers on a small shared machine: give them room.
  test: { include: ['test/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 120_000 },
});
