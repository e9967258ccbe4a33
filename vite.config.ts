import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { CONTENT_SECURITY_POLICY, ISOLATION_HEADERS } from './src/lib/csp.ts';

/** Writes the CSP into the built index.html only: the dev server needs inline HMR scripts. */
function contentSecurityPolicy(): Plugin {
  return {
    name: 'paperlab-csp',
    apply: 'build',
    transformIndexHtml(html) {
      const meta = `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">`;
      return html.replace('<meta charset="UTF-8" />', `<meta charset="UTF-8" />\n    ${meta}`);
    },
  };
}

export default defineConfig({
  // Relative base: the built site works from any sub-path of any static host.
  base: './',
  plugins: [svelte(), contentSecurityPolicy()],
  worker: {
    format: 'es',
    // tfjs-backend-wasm starts its pthreads from `factory.toString()`; compression rewrites the
    // factory's `typeof _scriptDir` guard into a bare outer-scope reference, which then throws in
    // every pthread ("e is not defined"). Mangling alone keeps the guard.
    rolldownOptions: { output: { minify: { compress: false, mangle: true } } },
  },
  server: { headers: ISOLATION_HEADERS, host: '127.0.0.1' },
  preview: { headers: ISOLATION_HEADERS, host: '127.0.0.1' },
  build: {
    target: 'es2022',
    // The polyfill is an inline script, which the CSP forbids; every supported browser has modulepreload.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 4096,
  },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
});
