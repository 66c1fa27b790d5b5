/**
 * The Content-Security-Policy of every renderer page, in both modes (the HTTP header of the
 * browser-mode host, the response header Electron adds). renderer/index.html carries the same
 * policy in a meta tag. No inline script, no eval, no remote origin. 'wasm-unsafe-eval' lets the
 * training worker compile TensorFlow.js's WebAssembly backend (served from the app itself); it
 * permits WebAssembly compilation only, not JavaScript eval.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
