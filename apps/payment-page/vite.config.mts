import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * The payment page: plain TypeScript and CSS, bundled to hashed files under
 * dist/apps/customer-api/page, which customer-api serves at `/`. No inline script or style, so
 * the page runs under a `'self'`-only Content-Security-Policy.
 */
export default defineConfig({
  root: here,
  base: '/',
  build: {
    outDir: process.env.PAGE_OUT_DIR ?? `${here}../../dist/apps/customer-api/page`,
    emptyOutDir: true,
    target: 'es2022',
    // Vite's modulepreload polyfill would be inline-free too, but nothing here needs it.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
  server: {
    // `npx vite apps/payment-page` during development; the API runs on 3000.
    proxy: { '/payments': 'http://127.0.0.1:3000' },
  },
});
