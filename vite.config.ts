import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { CONTENT_SECURITY_POLICY, HEADER_CONTENT_SECURITY_POLICY, ISOLATION_HEADERS, SECURITY_HEADERS, staticHostHeaders } from './src/lib/csp.ts';

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

/** Fetch destinations of a worker's own script: its response's CSP is the worker's policy. */
const WORKER_DESTINATIONS = new Set(['worker', 'sharedworker', 'serviceworker']);

/**
 * Security headers. Preview and static hosts (the build's `_headers`) send the full set with every
 * response. The dev server sends nosniff and `frame-ancestors 'none'` with everything, and the full
 * policy with worker scripts, where every download runs (the dev page itself keeps Vite's HMR).
 */
function securityHeaders(): Plugin {
  return {
    name: 'paperlab-security-headers',
    configureServer(server) {
      server.middlewares.use((request, response, next) => {
        const worker = WORKER_DESTINATIONS.has(String(request.headers['sec-fetch-dest']));
        response.setHeader('Content-Security-Policy', worker ? HEADER_CONTENT_SECURITY_POLICY : "frame-ancestors 'none'");
        response.setHeader('X-Content-Type-Options', 'nosniff');
        next();
      });
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: '_headers', source: staticHostHeaders() });
    },
  };
}

export default defineConfig({
  // Relative base: the built site works from any sub-path of any static host.
  base: './',
  plugins: [svelte(), contentSecurityPolicy(), securityHeaders()],
  worker: {
    format: 'es',
    // tfjs-backend-wasm starts its pthreads from `factory.toString()`; compression rewrites the
    // factory's `typeof _scriptDir` guard into a bare outer-scope reference, which then throws in
    // every pthread ("e is not defined"). Mangling alone keeps the guard.
    rolldownOptions: { output: { minify: { compress: false, mangle: true } } },
  },
  server: { headers: ISOLATION_HEADERS, host: '127.0.0.1' },
  preview: { headers: { ...ISOLATION_HEADERS, ...SECURITY_HEADERS }, host: '127.0.0.1' },
  build: {
    target: 'es2022',
    // The polyfill is an inline script, which the CSP forbids; every supported browser has modulepreload.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 4096,
  },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
});
