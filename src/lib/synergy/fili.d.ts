/** The part of fili's API (CommonJS, no bundled types) that filters.ts uses. */
declare module 'fili' {
  export interface FiliBiquad {
    /** [a1, a2], already divided by a0 */
    a: number[];
    /** [b0, b1, b2], already divided by a0 */
    b: number[];
    /** gain applied to the input of the stage */
    k: number;
  }
  export interface FiliCascadeParams {
    order: number;
    characteristic: 'butterworth' | 'bessel';
    Fs: number;
    Fc: number;
  }
  export class CalcCascades {
    lowpass(params: FiliCascadeParams): FiliBiquad[];
    highpass(params: FiliCascadeParams): FiliBiquad[];
  }
  const fili: { CalcCascades: typeof CalcCascades };
  export default fili;
}
