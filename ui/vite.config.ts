// The dashboard's build: ui/ (the Vite root) → <repo>/dist/ui, served by `gantry server` under /ui/
// (src/ui/server.ts). Everything is bundled: no CDN, no external font.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: '/ui/',
  plugins: [react()],
  build: {
    outDir: join(here, '..', 'dist', 'ui'),
    emptyOutDir: true,
    sourcemap: true,
    assetsInlineLimit: 0,
  },
  logLevel: 'warn',
});
