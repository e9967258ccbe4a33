import { InputError } from '../../lib/errors.ts';
import type { Scenario } from '../../lib/irs/scenario.ts';

/**
 * The scenario in the URL hash: JSON, deflated and base64url-encoded. The embedded campus map is
 * referenced by name instead of written out (its footprints would make a link hundreds of kilobytes
 * long); an imported map travels in the link when it fits.
 */
export const MAX_HASH_CHARS = 120_000;

async function pipe(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const output = new Blob([bytes as BlobPart]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(output).arrayBuffer());
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** The hash value, or null when the scenario is too big for a link. `embeddedMap`: omit the buildings. */
export async function encodeScenario(scenario: Scenario, embeddedMap: boolean): Promise<string | null> {
  const shared = embeddedMap ? { ...scenario, buildings: [] } : scenario;
  const packed = toBase64Url(await pipe(new TextEncoder().encode(JSON.stringify(shared)), new CompressionStream('deflate-raw')));
  return packed.length <= MAX_HASH_CHARS ? packed : null;
}

/** The scenario object from a hash value (validate it after filling in an embedded map's buildings). */
export async function decodeScenario(packed: string): Promise<Record<string, unknown>> {
  try {
    const json = new TextDecoder().decode(await pipe(fromBase64Url(packed), new DecompressionStream('deflate-raw')));
    return JSON.parse(json) as Record<string, unknown>;
  } catch (error) {
    throw new InputError('The link’s scenario could not be read', `It may have been cut short when copied (${(error as Error).message}). The default scenario is shown instead.`);
  }
}
