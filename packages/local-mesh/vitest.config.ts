import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@amw/source'] },
  ssr: { resolve: { conditions: ['@amw/source'] } },
  test: { include: ['test/**/*.test.ts'] },
});
