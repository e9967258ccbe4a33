import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { f16BitsToF32, f32ToF16Bits, packHalves, roundToHalf, unpackHalves } from '../../src/lib/util/half.ts';

// Bit patterns from IEEE 754 binary16's definition (1 sign, 5 exponent bits with bias 15, 10 fraction
// bits; subnormals m·2⁻²⁴).
describe('f32 → f16 rounding', () => {
  it('maps exact values to their known bit patterns', () => {
    const cases: [number, number][] = [
      [0, 0x0000], [-0, 0x8000], [1, 0x3c00], [-2, 0xc000], [0.5, 0x3800], [65504, 0x7bff],
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -14 - 2 ** -24, 0x03ff], // largest subnormal
      [Infinity, 0x7c00], [-Infinity, 0xfc00],
    ];
    for (const [value, bits] of cases) expect(f32ToF16Bits(value), `${value}`).toBe(bits);
  });

  it('rounds to nearest and ties to even, in normals and subnormals', () => {
    expect(f32ToF16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie between 1 and 1 + 2⁻¹⁰: even is 1
    expect(f32ToF16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie between …01 and …02: even is …02
    expect(f32ToF16Bits(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01); // just above the tie
    expect(f32ToF16Bits(0.1)).toBe(0x2e66);
    expect(f32ToF16Bits(1 / 3)).toBe(0x3555);
    expect(f32ToF16Bits(2 ** -25)).toBe(0x0000); // tie between 0 and 2⁻²⁴: even is 0
    expect(f32ToF16Bits(-(2 ** -25))).toBe(0x8000);
    expect(f32ToF16Bits(1.5 * 2 ** -25)).toBe(0x0001);
    expect(f32ToF16Bits(3 * 2 ** -25)).toBe(0x0002); // tie between 1 and 2 ulps: even is 2
    expect(f32ToF16Bits(2 ** -30)).toBe(0x0000);
    expect(f32ToF16Bits(2 ** -14 - 2 ** -25)).toBe(0x0400); // the largest subnormal's tie carries into the smallest normal
  });

  it('overflows to infinity past the tie above 65504, and keeps NaN a NaN', () => {
    expect(f32ToF16Bits(65519)).toBe(0x7bff);
    expect(f32ToF16Bits(65520)).toBe(0x7c00); // tie between 65504 and 65536 (= ∞): even is ∞
    expect(f32ToF16Bits(-1e6)).toBe(0xfc00);
    const nan = f32ToF16Bits(NaN);
    expect(nan & 0x7c00).toBe(0x7c00);
    expect(nan & 0x3ff).not.toBe(0);
  });

  it('round-trips every non-NaN half exactly', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      const value = f16BitsToF32(bits);
      if (Number.isNaN(value)) continue;
      if (f32ToF16Bits(value) !== bits) throw new Error(`0x${bits.toString(16)} → ${value} → 0x${f32ToF16Bits(value).toString(16)}`);
    }
  });

  it('picks the nearest half for any finite f32 in range', () => {
    fc.assert(
      fc.property(fc.float({ min: -65504, max: 65504, noNaN: true }), (x) => {
        const bits = f32ToF16Bits(x);
        const rounded = f16BitsToF32(bits);
        const error = Math.abs(rounded - x);
        // Neither neighbouring half is nearer.
        for (const neighbour of [(bits & 0x7fff) === 0 ? (bits ^ 0x8000) + 1 : bits - 1, bits + 1]) {
          const value = f16BitsToF32(neighbour);
          if (Number.isFinite(value)) expect(error).toBeLessThanOrEqual(Math.abs(value - x));
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('packed halves', () => {
  it('puts element 2j in the low 16 bits of word j (unpack2x16float’s order) and pads odd lengths', () => {
    const packed = packHalves(Float32Array.from([1, -2, 0.5]));
    expect(Array.from(packed)).toEqual([0xc0003c00, 0x00003800]);
    expect(Array.from(unpackHalves(packed, 3))).toEqual([1, -2, 0.5]);
  });

  it('unpacks to the rounded values', () => {
    const values = Float32Array.from([0.1, 1 / 3, -7.25, 1e-6, 3e4]);
    expect(unpackHalves(packHalves(values), values.length)).toEqual(roundToHalf(values));
    expect(() => unpackHalves(packHalves(values), 7)).toThrow(RangeError);
  });
});
