import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// The run's API server serves the page under /console/ and its events under /v1/console/, so
// `pnpm dev` (hot reload) forwards /v1 to a run named by MESH_CONSOLE_RUN (its control-plane URL).
export default defineConfig({
  root: here('./src/web'),
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: here('./dist/web'),
    emptyOutDir: true,
    // Served by a loopback server in a workshop room, possibly offline: nothing from a CDN.
    assetsInlineLimit: 0,
  },
  server: {
    proxy: { '/v1': { target: process.env.MESH_CONSOLE_RUN ?? 'http://127.0.0.1:1', changeOrigin: true } },
  },
});
