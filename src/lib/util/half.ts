/**
 * IEEE 754 binary16 ("half") conversion for weights stored in f16 on the GPU. The GPU reads a pair of
 * halves from one u32 with WGSL's core `unpack2x16float` (element 2j in the low 16 bits, 2j + 1 in the
 * high 16), which needs no `shader-f16` feature, so the packed layout runs on every adapter.
 *
 * f32 → f16 rounds to nearest, ties to even, from the f32's bits (no Math.f16round): overflow goes to
 * ±∞, values below half the smallest subnormal (2⁻²⁵) to ±0, NaN stays NaN (quiet).
 */

/** How weight matrices are stored on the GPU: f32, or halves packed two per u32 (packHalves). */
export type WeightPrecision = 'f32' | 'f16';

/** Bytes one weight takes in a buffer. */
export const WEIGHT_BYTES: Record<WeightPrecision, number> = { f32: 4, f16: 2 };

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/** The f16 bit pattern nearest to `value` (first rounded to f32, as a Float32Array would store it). */
export function f32ToF16Bits(value: number): number {
  scratchF32[0] = value;
  const bits = scratchU32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return mantissa === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mantissa >>> 13);
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    // A half subnormal m·2⁻²⁴: m = (1.mantissa · 2²³) >> (14 − halfExponent), rounded.
    if (halfExponent < -10) return sign;
    const significand = mantissa | 0x800000;
    const shift = 14 - halfExponent;
    return sign | roundShifted(significand, shift);
  }
  // Adding the rounded mantissa lets a carry step the exponent (up to ∞ at the top).
  return sign | ((halfExponent << 10) + roundShifted(mantissa, 13));
}

/** value >> shift rounded to nearest, ties to even (shift in 1…24). */
function roundShifted(value: number, shift: number): number {
  const kept = value >>> shift;
  const remainder = value & ((1 << shift) - 1);
  const halfway = 1 << (shift - 1);
  return remainder > halfway || (remainder === halfway && (kept & 1) === 1) ? kept + 1 : kept;
}

/** The value of an f16 bit pattern (exact: every half is an f32). */
export function f16BitsToF32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mantissa) * 2 ** (exponent - 25);
}

/** Halves of `values`, two per u32 (low half first), padded with a zero half to a whole u32. */
export function packHalves(values: Float32Array): Uint32Array {
  const halves = new Uint16Array(values.length + (values.length % 2));
  for (let i = 0; i < values.length; i++) halves[i] = f32ToF16Bits(values[i]);
  // Little-endian, as every WebGPU platform is: halves[2j] lands in the low 16 bits of word j.
  return new Uint32Array(halves.buffer);
}

/** The first `length` values of a packHalves buffer, as f32. */
export function unpackHalves(packed: Uint32Array, length: number): Float32Array {
  if (length > packed.length * 2) throw new RangeError(`unpackHalves: ${length} values from ${packed.length * 2} halves`);
  const halves = new Uint16Array(packed.buffer, packed.byteOffset, packed.length * 2);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = f16BitsToF32(halves[i]);
  return out;
}

/** `values` rounded through f16 and back: what the GPU sees of weights stored as halves. */
export function roundToHalf(values: Float32Array): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = f16BitsToF32(f32ToF16Bits(values[i]));
  return out;
}
