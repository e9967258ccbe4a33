/**
 * The Content-Security-Policy of the built site. One place, read by vite.config.ts (which writes it
 * into index.html at build time) and by the e2e test (which checks the page runs under it).
 *
 * Why each source is there:
 * - `'wasm-unsafe-eval'`: tfjs-wasm and onnxruntime-web compile WebAssembly; no JS eval is allowed.
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
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  `connect-src 'self' data: blob: ${HUB_CONNECT_SOURCES.join(' ')}`,
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join('; ');

/** Headers that make the page cross-origin isolated (SharedArrayBuffer, wasm threads). */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'credentialless',
} as const;
