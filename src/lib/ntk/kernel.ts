/**
 * The NTK of f(x) = (1/√m) Σ_r a_r ReLU(w_rᵀx) when only W is trained, w_r ~ N(0, I), a_r = ±1:
 *   K(x, x') = E_w[xᵀx' · 1{wᵀx > 0} 1{wᵀx' > 0}] = xᵀx' · (π − arccos u) / (2π),
 * u = xᵀx'/(‖x‖‖x'‖) the cosine of the angle (the arc-cosine kernel of degree 0 times xᵀx').
 */
export function ntk(x: Float64Array, i: number, z: Float64Array, j: number, d: number): number {
  let dot = 0;
  let xx = 0;
  let zz = 0;
  for (let k = 0; k < d; k++) {
    const a = x[i * d + k];
    const b = z[j * d + k];
    dot += a * b;
    xx += a * a;
    zz += b * b;
  }
  if (xx === 0 || zz === 0) return 0;
  const u = Math.max(-1, Math.min(1, dot / Math.sqrt(xx * zz)));
  return (dot * (Math.PI - Math.acos(u))) / (2 * Math.PI);
}

/** K(A, B): [nA, nB], row-major. */
export function ntkMatrix(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const nA = a.length / d;
  const nB = b.length / d;
  const out = new Float64Array(nA * nB); // [nA, nB]
  for (let i = 0; i < nA; i++) for (let j = 0; j < nB; j++) out[i * nB + j] = ntk(a, i, b, j, d);
  return out;
}
