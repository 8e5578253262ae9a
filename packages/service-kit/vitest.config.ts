import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@amw/source'] },
  ssr: { resolve: { conditions: ['@amw/source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    // CI shares two cores between every package's tests: spawning a process can take seconds.
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
