import { InputError } from '../errors.ts';

/**
 * The IDX format of the MNIST files (http://yann.lecun.com/exdb/mnist/): two zero bytes, a type
 * byte, the number of dimensions, one big-endian uint32 per dimension, then the values, big-endian.
 * Only unsigned bytes (type 0x08) are read: that is what image and label files hold.
 */
export interface IdxArray {
  /** Sizes, outermost first: [count, rows, cols] for images, [count] for labels. */
  dims: number[];
  data: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;

/** Parses an IDX file; a truncated, padded or non-IDX file is an InputError naming `fileName`. */
export function parseIdx(bytes: Uint8Array, fileName = 'IDX file'): IdxArray {
  if (bytes.length < 4) throw truncated(fileName, 'its 4-byte magic number', bytes.length, 4);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new InputError(`${fileName} is not an IDX file`, `it should start with two zero bytes, found 0x${hex(bytes[0])} 0x${hex(bytes[1])}`);
  }
  const type = bytes[2];
  if (type !== UNSIGNED_BYTE) {
    throw new InputError(`${fileName} holds IDX type 0x${hex(type)}`, 'only unsigned bytes (0x08) are supported, as in MNIST');
  }
  const rank = bytes[3];
  if (rank === 0) throw new InputError(`${fileName} declares zero dimensions`, 'an IDX file needs at least one dimension');
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) throw truncated(fileName, `its header of ${rank} dimension sizes`, bytes.length, headerBytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const payloadBytes = dims.reduce((product, size) => product * size, 1);
  const expectedBytes = headerBytes + payloadBytes;
  if (bytes.length < expectedBytes) throw truncated(fileName, `${dims.join(' × ')} values`, bytes.length, expectedBytes);
  if (bytes.length > expectedBytes) {
    throw new InputError(`${fileName} is longer than its header says`, `header ${dims.join(' × ')} needs ${expectedBytes} bytes, the file has ${bytes.length}`);
  }
  return { dims, data: bytes.subarray(headerBytes, expectedBytes) };
}

function truncated(fileName: string, what: string, got: number, needed: number): InputError {
  return new InputError(`${fileName} is truncated`, `it has ${got} bytes but needs ${needed} for ${what}`);
}

function hex(value: number | undefined): string {
  return (value ?? 0).toString(16).padStart(2, '0');
}
