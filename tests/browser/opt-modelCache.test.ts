import { describe, expect, it } from 'vitest';
import { BrowserCache } from '../../src/lib/opt/sources/byteCache.ts';
import { fetchBytes } from '../../src/lib/opt/sources/fetchBytes.ts';
import { validateModelFile } from '../../src/lib/opt/sources/validateFile.ts';

/**
 * The page's model cache (Cache API) with the download checks (issue 13): a bad copy already in the
 * cache — an HTML page stored for config.json — is evicted and fetched again, and a download that
 * fails its check is never stored.
 */
describe('the Cache API model cache', () => {
  const url = 'https://models.example/opt/config.json';
  const validate = (bytes: ArrayBuffer) => validateModelFile('config.json', bytes);

  it('evicts a bad cached copy and stores the good download in its place', async () => {
    const cache = new BrowserCache(caches);
    await cache.put(url, new TextEncoder().encode('<!doctype html>rate limited').buffer as ArrayBuffer);
    let requests = 0;
    const fetchImpl = (async () => (requests++, new Response('{"hidden_size": 16}'))) as typeof fetch;
    const bytes = await fetchBytes(url, { cache, validate, fetchImpl });
    expect(JSON.parse(new TextDecoder().decode(bytes))).toEqual({ hidden_size: 16 });
    expect(requests).toBe(1);
    expect(new TextDecoder().decode(await cache.get(url))).toBe('{"hidden_size": 16}');
    await cache.delete(url);
    expect(await cache.has(url)).toBe(false);
  });

  it('does not store a download that fails its check, and says that retrying downloads afresh', async () => {
    const cache = new BrowserCache(caches);
    const fetchImpl = (async () => new Response('{"hidden_size": 1')) as typeof fetch;
    await expect(fetchBytes(url, { cache, validate, fetchImpl })).rejects.toThrow(/is not usable: config.json is not valid JSON/);
    expect(await cache.has(url)).toBe(false);
  });
});
