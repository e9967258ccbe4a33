import { InputError } from '../errors.ts';
import { f16BitsToF32, f32ToF16Bits } from '../util/half.ts';

/**
 * The safetensors format (DESIGN §3): an 8-byte little-endian header length N, N bytes of JSON mapping
 * tensor names to `{dtype, shape, data_offsets: [begin, end]}` (offsets relative to the end of the
 * header), an optional `__metadata__` entry of strings, then the raw little-endian data.
 *
 * Reading is lazy: `parseSafetensorsHeader` checks the header against the file's size, and
 * `readTensorF32` converts one tensor at a time to float32, so a caller can upload each tensor to the
 * GPU and drop it before converting the next (never two float32 copies of the whole model).
 */
export type SafetensorsDtype = 'F32' | 'F16' | 'BF16';

const BYTES_PER_ELEMENT: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2 };
/** Headers beyond this are not real safetensors files (the reference implementation uses 100 MB). */
const MAX_HEADER_BYTES = 100_000_000;

export interface TensorEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Byte range of the data, absolute within the file. */
  begin: number;
  end: number;
}

export interface SafetensorsFile {
  /** Where the bytes came from, for error messages. */
  fileName: string;
  bytes: Uint8Array;
  tensors: Map<string, TensorEntry>;
  metadata: Record<string, string>;
}

export interface SafetensorsHeader {
  /** Bytes before the data: 8 + the header length. */
  dataStart: number;
  tensors: Map<string, TensorEntry>;
  metadata: Record<string, string>;
}

function invalid(fileName: string, what: string): InputError {
  return new InputError(
    `${fileName} is not a valid safetensors file: ${what}`,
    'expected an 8-byte header length, a JSON header and the tensor data (huggingface.co/docs/safetensors); if it was downloaded, the download was cut off or the server sent something else',
  );
}

/** The header length from the file's first 8 bytes, checked against the file's size. */
export function readHeaderLength(first8: Uint8Array, fileSize: number, fileName: string): number {
  if (fileSize < 8 || first8.byteLength < 8) throw invalid(fileName, `it has only ${fileSize} bytes`);
  const headerLength = Number(new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true));
  if (headerLength < 2 || headerLength > MAX_HEADER_BYTES) throw invalid(fileName, `the header length ${headerLength} is implausible`);
  if (8 + headerLength > fileSize) throw invalid(fileName, `the header needs ${headerLength} bytes but the file has ${fileSize} (truncated?)`);
  return headerLength;
}

/**
 * Parses and checks the JSON header (bytes 8 … 8+N) against the file's size, by the format's rules:
 * every tensor's byte range lies in the data, its length is shape × dtype size, the ranges tile the
 * data from 0 with no overlap or gap, and the data ends where the last tensor ends. Needs only the
 * header bytes, so a loader can refuse a bad file before reading its data.
 */
export function parseSafetensorsHeader(headerBytes: Uint8Array, fileSize: number, fileName: string): SafetensorsHeader {
  const fail = (what: string) => invalid(fileName, what);
  const dataStart = 8 + headerBytes.byteLength;
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch {
    throw fail('the header is not JSON');
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw fail('the header is not a JSON object');
  const tensors = new Map<string, TensorEntry>();
  let metadata: Record<string, string> = {};
  const ranges: { name: string; begin: number; end: number }[] = [];
  const dataLength = fileSize - dataStart;
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || !Object.values(raw).every((v) => typeof v === 'string')) {
        throw fail('__metadata__ must map strings to strings');
      }
      metadata = raw as Record<string, string>;
      continue;
    }
    const entry = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof entry?.dtype !== 'string' || !Array.isArray(entry.shape) || !Array.isArray(entry.data_offsets)) {
      throw fail(`the entry for ${name} lacks dtype, shape or data_offsets`);
    }
    if (!(entry.dtype in BYTES_PER_ELEMENT)) {
      throw new InputError(
        `${fileName}: tensor ${name} has dtype ${entry.dtype}, which this app cannot read`,
        'supported dtypes are F32, F16 and BF16 (re-save the checkpoint in one of them)',
      );
    }
    const dtype = entry.dtype as SafetensorsDtype;
    const shape = entry.shape as unknown[];
    if (!shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) throw fail(`tensor ${name} has shape ${JSON.stringify(shape).slice(0, 80)}`);
    if (entry.data_offsets.length !== 2) throw fail(`tensor ${name} has data_offsets ${JSON.stringify(entry.data_offsets).slice(0, 80)}, not [begin, end]`);
    const [begin, end] = entry.data_offsets as unknown[];
    if (!Number.isSafeInteger(begin) || !Number.isSafeInteger(end) || (begin as number) < 0 || (end as number) < (begin as number)) {
      throw fail(`tensor ${name} has data offsets ${JSON.stringify(entry.data_offsets).slice(0, 80)}`);
    }
    const byteLength = (shape as number[]).reduce((a, b) => a * b, BYTES_PER_ELEMENT[dtype]);
    if ((end as number) - (begin as number) !== byteLength) {
      throw fail(`tensor ${name} (${dtype} [${shape}]) needs ${byteLength} bytes but its data offsets [${begin}, ${end}] hold ${(end as number) - (begin as number)}`);
    }
    if ((end as number) > dataLength) {
      throw fail(`tensor ${name} ends at byte ${end} of the data but the file holds ${dataLength} bytes of data (truncated download?)`);
    }
    ranges.push({ name, begin: begin as number, end: end as number });
    tensors.set(name, { name, dtype, shape: shape as number[], begin: dataStart + (begin as number), end: dataStart + (end as number) });
  }
  ranges.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const range of ranges) {
    if (range.begin < cursor) throw fail(`tensor ${range.name} overlaps the tensor before it (data bytes ${range.begin} < ${cursor})`);
    if (range.begin > cursor) throw fail(`the data has a gap of ${range.begin - cursor} bytes before tensor ${range.name}`);
    cursor = range.end;
  }
  if (cursor !== dataLength) {
    throw fail(`the tensors end at data byte ${cursor} but the file holds ${dataLength} bytes of data (${cursor > dataLength ? 'truncated' : 'extra bytes, or a wrong header length'})`);
  }
  return { dataStart, tensors, metadata };
}

export function parseSafetensors(buffer: ArrayBuffer | Uint8Array, fileName = 'model.safetensors'): SafetensorsFile {
  const bytes = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
  const headerLength = readHeaderLength(bytes.subarray(0, 8), bytes.byteLength, fileName);
  const { tensors, metadata } = parseSafetensorsHeader(bytes.subarray(8, 8 + headerLength), bytes.byteLength, fileName);
  return { fileName, bytes, tensors, metadata };
}

/** One tensor as float32 (F16 and BF16 widened). A fresh array the caller owns. */
export function readTensorF32(file: SafetensorsFile, entry: TensorEntry): Float32Array {
  const count = (entry.end - entry.begin) / BYTES_PER_ELEMENT[entry.dtype];
  const out = new Float32Array(count);
  const view = new DataView(file.bytes.buffer, file.bytes.byteOffset + entry.begin, entry.end - entry.begin);
  switch (entry.dtype) {
    case 'F32':
      // Aligned data is copied in one go (every platform the app runs on is little-endian).
      if ((file.bytes.byteOffset + entry.begin) % 4 === 0) out.set(new Float32Array(file.bytes.buffer, file.bytes.byteOffset + entry.begin, count));
      else for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
      break;
    case 'F16':
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
      break;
    case 'BF16': {
      // A bfloat16 is the top half of a float32: shift its bits up by 16.
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      break;
    }
  }
  return out;
}

/** IEEE 754 binary16 → number, including subnormals, infinities and NaN (src/lib/util/half.ts). */
export const halfToFloat = f16BitsToF32;

/** number → IEEE 754 binary16 bits (round to nearest even); used by tests and F16 exports. */
export const floatToHalf = f32ToF16Bits;

const bfloatScratch = new Float32Array(1);
const bfloatBits = new Uint32Array(bfloatScratch.buffer);

/** number → bfloat16 bits, rounding to nearest even (NaN stays NaN). */
export function floatToBfloat16(value: number): number {
  bfloatScratch[0] = value;
  const bits = bfloatBits[0];
  if (Number.isNaN(value)) return (bits >>> 16) | 0x40;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

export interface TensorToWrite {
  shape: readonly number[];
  data: Float32Array;
  /** Stored dtype; F32 unless given. */
  dtype?: SafetensorsDtype;
}

/** Writes tensors (in the given order) as one safetensors file. */
export function writeSafetensors(tensors: Record<string, TensorToWrite>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, tensor] of Object.entries(tensors)) {
    const dtype = tensor.dtype ?? 'F32';
    const elements = tensor.shape.reduce((a, b) => a * b, 1);
    if (elements !== tensor.data.length) throw new RangeError(`tensor ${name}: shape [${tensor.shape}] needs ${elements} values, got ${tensor.data.length}`);
    const byteLength = elements * BYTES_PER_ELEMENT[dtype];
    header[name] = { dtype, shape: tensor.shape, data_offsets: [offset, offset + byteLength] };
    offset += byteLength;
  }
  // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + new TextEncoder().encode(json).length) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let cursor = 8 + headerBytes.length;
  for (const tensor of Object.values(tensors)) {
    const dtype = tensor.dtype ?? 'F32';
    for (let i = 0; i < tensor.data.length; i++) {
      const value = tensor.data[i];
      if (dtype === 'F32') view.setFloat32(cursor + 4 * i, value, true);
      else if (dtype === 'F16') view.setUint16(cursor + 2 * i, floatToHalf(value), true);
      else view.setUint16(cursor + 2 * i, floatToBfloat16(value), true);
    }
    cursor += tensor.data.length * BYTES_PER_ELEMENT[dtype];
  }
  return out;
}

/**
 * Reads a safetensors file from storage that can read byte ranges (a `File`, a file descriptor):
 * the 8-byte length first, then the header, checked against the file's size, and only then the whole
 * file — a wrong or foreign file is refused after reading a few bytes, never after reading gigabytes.
 */
export async function readSafetensorsHeaderFirst(
  fileName: string,
  fileSize: number,
  readRange: (begin: number, end: number) => Promise<Uint8Array>,
  readAll: () => Promise<ArrayBuffer>,
): Promise<ArrayBuffer> {
  const headerLength = readHeaderLength(await readRange(0, Math.min(8, fileSize)), fileSize, fileName);
  parseSafetensorsHeader(await readRange(8, 8 + headerLength), fileSize, fileName);
  return readAll();
}
