import { neverCancelled, type CancelFlag } from '../../cancel.ts';
import { Cancelled, InputError } from '../../errors.ts';
import type { ByteCache } from './byteCache.ts';

/**
 * Downloads one file with byte progress and cancellation, through the cache. Plain GETs with
 * `referrerPolicy: 'no-referrer'` and no credentials (DESIGN §3). A missing file is `undefined`
 * (callers try alternatives: model.safetensors, then a sharded index, then another revision);
 * any other failure is an InputError naming the URL.
 */
export interface FetchOptions {
  cache?: ByteCache;
  cancel?: CancelFlag;
  /** Bytes so far and the total when the server says it (Content-Length). */
  onBytes?: (done: number, total: number | undefined) => void;
  fetchImpl?: typeof fetch;
  /**
   * Throws (an InputError) when the bytes are not the file they should be. Runs before a download is
   * cached, and on a cached copy before it is used: a bad cached copy is evicted and fetched again.
   */
  validate?: (bytes: ArrayBuffer) => void;
}

export async function fetchBytes(url: string, options: FetchOptions = {}): Promise<ArrayBuffer | undefined> {
  const cached = await options.cache?.get(url);
  if (cached && isValid(cached, options.validate)) {
    options.onBytes?.(cached.byteLength, cached.byteLength);
    return cached;
  }
  if (cached) await options.cache?.delete(url);
  const cancel = options.cancel ?? neverCancelled;
  const controller = new AbortController();
  const poll = setInterval(() => cancel.cancelled && controller.abort(), 100);
  try {
    let response: Response;
    try {
      response = await (options.fetchImpl ?? fetch)(url, { referrerPolicy: 'no-referrer', credentials: 'omit', signal: controller.signal });
    } catch (error) {
      if (cancel.cancelled) throw new Cancelled();
      throw new InputError(`Could not reach ${url}`, `network error: ${describe(error)}; check the address and your connection`);
    }
    if (response.status === 404) return undefined;
    if (response.status === 401 || response.status === 403) {
      throw new InputError(`${url} answered ${response.status}: the file is private or gated`, 'this app downloads without credentials; use a public repository or load the files from disk');
    }
    if (!response.ok) throw new InputError(`${url} answered ${response.status} ${response.statusText}`);
    const lengthHeader = response.headers.get('Content-Length');
    const total = lengthHeader ? Number(lengthHeader) : undefined;
    const bytes = await readBody(response, url, total, cancel, options.onBytes);
    try {
      options.validate?.(bytes);
    } catch (error) {
      const { message, detail } = describeInput(error);
      throw new InputError(`The download of ${url} is not usable: ${message}`, `${detail ? `${detail}; ` : ''}it was not cached, so loading again downloads it afresh`);
    }
    await options.cache?.put(url, bytes);
    return bytes;
  } finally {
    clearInterval(poll);
  }
}

async function readBody(response: Response, url: string, total: number | undefined, cancel: CancelFlag, onBytes?: (done: number, total: number | undefined) => void): Promise<ArrayBuffer> {
  if (!response.body) return response.arrayBuffer();
  const reader = response.body.getReader();
  // One preallocated buffer when the size is known: no second copy of a 500 MB download.
  let buffer = new Uint8Array(total ?? 1 << 20);
  let received = 0;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      if (received + value.byteLength > buffer.byteLength) {
        const grown = new Uint8Array(Math.max(buffer.byteLength * 2, received + value.byteLength));
        grown.set(buffer.subarray(0, received));
        buffer = grown;
      }
      buffer.set(value, received);
      received += value.byteLength;
      onBytes?.(received, total);
      cancel.throwIfCancelled();
    }
  } catch (error) {
    if (cancel.cancelled) throw new Cancelled();
    throw new InputError(`The download of ${url} broke off after ${received} bytes`, `${describe(error)}; files that finished earlier are cached, so retrying continues from them`);
  }
  // A compressed body decodes to more bytes than Content-Length says; fewer means it was cut off.
  if (total !== undefined && received < total) {
    throw new InputError(`The download of ${url} is incomplete: ${received} of ${total} bytes`, 'the connection closed early; retry');
  }
  return received === buffer.byteLength ? buffer.buffer : buffer.slice(0, received).buffer;
}

function isValid(bytes: ArrayBuffer, validate: ((bytes: ArrayBuffer) => void) | undefined): boolean {
  try {
    validate?.(bytes);
    return true;
  } catch {
    return false;
  }
}

function describeInput(error: unknown): { message: string; detail?: string } {
  const detail = (error as { detail?: unknown }).detail;
  return { message: describe(error), detail: typeof detail === 'string' ? detail : undefined };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
