/**
 * Shareable settings in the URL hash: `#/route?key=value&…`. Pure string functions, so views, the
 * router and tests share one reading of the hash.
 */
export interface HashLocation {
  path: string;
  params: URLSearchParams;
}

export function parseHash(hash: string): HashLocation {
  const body = hash.startsWith('#') ? hash.slice(1) : hash;
  const [rawPath, query = ''] = splitOnce(body, '?');
  const path = rawPath === '' ? '/' : rawPath.startsWith('/') ? rawPath : `/${rawPath}`;
  return { path, params: new URLSearchParams(query) };
}

export function formatHash(path: string, params?: Record<string, string | number | boolean> | URLSearchParams): string {
  const search = params instanceof URLSearchParams ? params : new URLSearchParams(
    Object.entries(params ?? {}).map(([k, v]) => [k, String(v)]),
  );
  const query = search.toString();
  return `#${path}${query ? `?${query}` : ''}`;
}

function splitOnce(text: string, separator: string): [string, string?] {
  const at = text.indexOf(separator);
  return at < 0 ? [text] : [text.slice(0, at), text.slice(at + 1)];
}
