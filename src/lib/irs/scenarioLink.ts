import { deflateSync } from 'fflate';
import { InputError } from '../errors.ts';
import type { Scenario } from './scenario.ts';

/**
 * The scenario in the URL hash: JSON, raw-deflated and base64url-encoded. The embedded campus map is
 * referenced by name instead of written out (its footprints would make a link hundreds of kilobytes
 * long); an imported map travels in the link when it fits.
 *
 * A link is untrusted input: its length is checked before anything is decoded, and it is inflated as a
 * stream (the platform's DecompressionStream, read piece by piece) with a byte budget, so a deflate
 * bomb (deflate reaches ~1000:1) is cancelled at the budget instead of filling memory.
 */
export const MAX_HASH_CHARS = 120_000;
/**
 * The most JSON a link may inflate to. Scenario JSON deflates about 3–5×, so a link at MAX_HASH_CHARS
 * (90 kB deflated) holds well under 1 MB; 2 MiB leaves room and refuses bombs early.
 */
export const MAX_LINK_JSON_BYTES = 2 * 1024 * 1024;

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

function unreadable(reason: string): InputError {
  return new InputError('The link’s scenario could not be read', `${reason} The default scenario is shown instead.`);
}

/** The hash value, or null when the scenario is too big for a link. `embeddedMap`: omit the buildings. */
export function encodeScenario(scenario: Scenario, embeddedMap: boolean): string | null {
  const shared = embeddedMap ? { ...scenario, buildings: [] } : scenario;
  const packed = toBase64Url(deflateSync(new TextEncoder().encode(JSON.stringify(shared)), { level: 9 }));
  return packed.length <= MAX_HASH_CHARS ? packed : null;
}

/** Inflates raw DEFLATE as a stream, cancelling it as soon as the output passes `maxBytes`. */
export async function inflateBounded(compressed: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  const reader = new Blob([compressed as BlobPart]).stream().pipeThrough(new DecompressionStream('deflate-raw')).getReader();
  const pieces: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) {
        await reader.cancel();
        throw unreadable(`It inflates to more than ${maxBytes / 2 ** 20} MiB of scenario JSON, more than any scenario a link can hold.`);
      }
      pieces.push(value);
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw unreadable(`It may have been cut short when copied (${(error as Error).message}).`);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}

/**
 * The scenario object from a hash value (validate it with validateScenario after filling in an
 * embedded map's buildings). Throws InputError for a link that is too long, not base64url, not
 * deflate, over the size budget, not UTF-8 or not a JSON object.
 */
export async function decodeScenario(packed: string): Promise<Record<string, unknown>> {
  if (packed.length > MAX_HASH_CHARS) throw unreadable(`It holds ${packed.length} characters; a scenario link holds at most ${MAX_HASH_CHARS}.`);
  if (!/^[A-Za-z0-9_-]*$/.test(packed) || packed.length % 4 === 1) throw unreadable('It is not base64url text (letters, digits, - and _).');
  const binary = atob(packed.replaceAll('-', '+').replaceAll('_', '/'));
  const compressed = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  const bytes = await inflateBounded(compressed, MAX_LINK_JSON_BYTES);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw unreadable(`It is not scenario JSON (${(error as Error).message.slice(0, 120)}).`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw unreadable('It does not hold a scenario object.');
  return value as Record<string, unknown>;
}
