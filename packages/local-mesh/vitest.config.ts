import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@amw/source'] },
  ssr: { resolve: { conditions: ['@amw/source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    // CI shares two cores between every package's tests: spawning a process can take seconds.
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // The end-to-end files start dozens of processes each: one file at a time on a 2-core machine.
    fileParallelism: false,
  },
});
