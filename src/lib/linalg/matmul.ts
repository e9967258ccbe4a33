/**
 * CPU twin of the WGSL matmul (src/kernels/matmul.wgsl): C = op(A) · op(B) (+ bias), per batch.
 *
 * Layouts are row-major. op(A) is [m, k]: A is stored [m, k], or [k, m] when `transA`.
 * op(B) is [k, n]: B is stored [k, n], or [n, k] when `transB` (a linear layer's weight, `x · Wᵀ`).
 * `bias` has n entries, added to every row. Batches step through A, B and C by their element strides;
 * a stride of 0 reuses one matrix for every batch (a shared weight).
 */
export interface MatmulOptions {
  m: number;
  n: number;
  k: number;
  batch?: number;
  transA?: boolean;
  transB?: boolean;
  /** Elements between consecutive batches of A; default m·k, 0 = broadcast. */
  batchStrideA?: number;
  batchStrideB?: number;
}

export interface ResolvedMatmul {
  m: number;
  n: number;
  k: number;
  batch: number;
  transA: boolean;
  transB: boolean;
  batchStrideA: number;
  batchStrideB: number;
}

export function resolveMatmul(options: MatmulOptions): ResolvedMatmul {
  const { m, n, k } = options;
  for (const [name, value] of Object.entries({ m, n, k })) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`matmul: ${name} must be a positive integer, got ${value}`);
  }
  const batch = options.batch ?? 1;
  return {
    m,
    n,
    k,
    batch,
    transA: options.transA ?? false,
    transB: options.transB ?? false,
    batchStrideA: options.batchStrideA ?? m * k,
    batchStrideB: options.batchStrideB ?? k * n,
  };
}

export function matmulCpu(
  a: Float32Array,
  b: Float32Array,
  options: MatmulOptions,
  bias?: Float32Array,
): Float32Array {
  const s = resolveMatmul(options);
  checkLength('A', a, s.batchStrideA * (s.batch - 1) + s.m * s.k);
  checkLength('B', b, s.batchStrideB * (s.batch - 1) + s.k * s.n);
  if (bias && bias.length !== s.n) throw new RangeError(`matmul: bias has ${bias.length} entries, expected n = ${s.n}`);
  const c = new Float32Array(s.batch * s.m * s.n);
  const row = new Float64Array(s.n);
  for (let batch = 0; batch < s.batch; batch++) {
    const aOff = batch * s.batchStrideA;
    const bOff = batch * s.batchStrideB;
    for (let i = 0; i < s.m; i++) {
      row.fill(0);
      for (let p = 0; p < s.k; p++) {
        const aip = s.transA ? a[aOff + p * s.m + i] : a[aOff + i * s.k + p];
        if (aip === 0) continue;
        if (s.transB) {
          for (let j = 0; j < s.n; j++) row[j] += aip * b[bOff + j * s.k + p];
        } else {
          const bRow = bOff + p * s.n;
          for (let j = 0; j < s.n; j++) row[j] += aip * b[bRow + j];
        }
      }
      const cRow = (batch * s.m + i) * s.n;
      for (let j = 0; j < s.n; j++) c[cRow + j] = row[j] + (bias ? bias[j] : 0);
    }
  }
  return c;
}

function checkLength(name: string, array: Float32Array, needed: number): void {
  if (array.length < needed) throw new RangeError(`matmul: ${name} has ${array.length} elements, needs ${needed}`);
}
