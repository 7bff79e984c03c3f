// Builds the web UI into dist/web, which kadr serves at / (src/api/web-ui.routes.ts).
// `npx vite --config web/vite.config.ts` serves it with hot reload against a kadr on :8080.
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

const kadr = 'http://127.0.0.1:8080';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [preact()],
  build: { outDir: '../dist/web', emptyOutDir: true, target: 'es2022' },
  server: { proxy: { '/api': kadr, '/live': kadr } },
});
