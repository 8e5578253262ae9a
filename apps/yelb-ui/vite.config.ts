import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// `pnpm dev` serves the page with hot reload and forwards /api to an appserver the developer
// runs themselves (by default the one `pnpm --filter @amw/yelb-appserver dev` starts).
export default defineConfig({
  root: here('./src/web'),
  base: '/',
  plugins: [react()],
  build: {
    outDir: here('./dist/web'),
    emptyOutDir: true,
    // The page must work offline in a workshop room: everything it needs is bundled here.
    assetsInlineLimit: 0,
  },
  server: {
    proxy: {
      '/api': { target: process.env.YELB_APPSERVER_ENDPOINT ?? 'http://localhost:4567', changeOrigin: true },
    },
  },
});
