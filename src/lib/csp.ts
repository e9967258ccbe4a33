/**
 * The Content-Security-Policy of the built site. One place, read by vite.config.ts (which writes it
 * into index.html at build time, sends it from dev/preview and writes the `_headers` file of the build)
 * and by the e2e tests (which check the page and its workers run under it).
 *
 * A `<meta>` policy covers the page only: a worker started from a URL takes its policy from the HTTP
 * response that delivered its script. Every download runs in a worker, so the same policy must be sent
 * as a header with the worker scripts; `frame-ancestors` also works only as a header.
 *
 * Why each source is there:
 * - `'wasm-unsafe-eval'`: tfjs-wasm and onnxruntime-web compile WebAssembly; no JS eval is allowed.
 * - `script-src blob:`: tfjs-wasm starts its threads as workers that `importScripts` a blob URL of its
 *   own glue code (a blob worker inherits its creator's policy). Only code already running on the
 *   page can make a blob URL, so this lets in no script from elsewhere.
 * - `worker-src 'self' blob:`: our comlink workers are same-origin modules; onnxruntime-web's proxy
 *   worker may be started from a blob URL.
 * - `connect-src`: the Hugging Face hub and the CDN hosts its `resolve/` URLs redirect to, for model
 *   downloads the user asks for; `data:`/`blob:` for in-memory files.
 * - `style-src 'unsafe-inline'`: Svelte and d3 set style attributes; inline *script* stays forbidden.
 */
export const HUB_CONNECT_SOURCES = [
  'https://huggingface.co',
  'https://*.huggingface.co',
  'https://*.hf.co',
] as const;

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval' blob:",
  "worker-src 'self' blob:",
  `connect-src 'self' data: blob: ${HUB_CONNECT_SOURCES.join(' ')}`,
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join('; ');

/** The header form: the page's policy, and no framing by other sites (clickjacking). */
export const HEADER_CONTENT_SECURITY_POLICY = `${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`;

/**
 * Headers every response of the site should carry (dev, preview, and a static host through `_headers`):
 * the policy, no MIME sniffing (a JSON or text file is never run as script), and no referrer to
 * the hub or anyone else.
 */
export const SECURITY_HEADERS = {
  'Content-Security-Policy': HEADER_CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
} as const;

/** Headers that make the page cross-origin isolated (SharedArrayBuffer, wasm threads). */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'credentialless',
} as const;

/**
 * The build's `_headers` file (the format Netlify and Cloudflare Pages read): every path gets the
 * security and isolation headers, worker scripts included.
 */
export function staticHostHeaders(): string {
  const lines = Object.entries({ ...SECURITY_HEADERS, ...ISOLATION_HEADERS }).map(([name, value]) => `  ${name}: ${value}`);
  return `/*\n${lines.join('\n')}\n`;
}
