/**
 * CPU twin of src/kernels/opt/elementwise.wgsl, in place on `a`:
 * `add` a += b (residuals), `relu` a = max(a, 0), `addRowBias` a[i, c] += b[c] (b has `width` entries).
 */
export type ElementwiseOp = 'add' | 'relu' | 'addRowBias';

export function elementwiseCpu(op: ElementwiseOp, a: Float32Array, b?: Float32Array, width = 1): Float32Array {
  if (op !== 'relu' && !b) throw new RangeError(`elementwise ${op} needs a second operand`);
  for (let i = 0; i < a.length; i++) {
    if (op === 'relu') a[i] = Math.max(a[i], 0);
    else if (op === 'add') a[i] += b![i];
    else a[i] += b![i % width];
  }
  return a;
}
