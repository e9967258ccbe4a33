import { InputError } from '../errors.ts';

/**
 * gzip decompression with the platform's `DecompressionStream` (every current browser, workers and
 * Node ≥ 18), so the shipped `.gz` files need no library. Bytes that are not gzip pass through, so a
 * user may also drop an already decompressed file.
 */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

export async function gunzip(bytes: Uint8Array, fileName = 'file'): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InputError(`${fileName} could not be decompressed`, `it starts like gzip but is damaged or truncated (${reason})`);
  }
}
