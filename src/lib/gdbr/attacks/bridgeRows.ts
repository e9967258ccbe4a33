import { weightName } from '../head.ts';
import { observedTensor, type AttackContext } from './types.ts';

/**
 * What layer L−1 shares, reduced to one number per hidden unit u in two ways:
 *   ∇b₁[u] = (1/B) Σ_i δ_iu                           the bias gradient;
 *   Σ_j ∇W₁[j, u] = (1/B) Σ_i s_i δ_iu                the kernel gradient's column sum, s_i = Σ_j h_ij.
 * Summing ∇W₁ over its input rows is our choice (not the paper's): it keeps one equation per unit
 * while averaging the noise of d entries, and s_i ≥ 0 (pixels, pooled ReLU maps) keeps δ's sign.
 */
export interface BridgeObservation {
  /** ∇b₁ [n] */
  biasGradient: Float32Array;
  /** Σ_j ∇W₁[j, ·] [n] */
  kernelColumnSums: Float64Array;
}

export function observeBridge(context: AttackContext): BridgeObservation {
  const { inputSize: d, hiddenSize: n } = context.head;
  const biasGradient = observedTensor(context, weightName.hiddenBias(context.layout));
  const kernel = observedTensor(context, weightName.hiddenKernel(context.layout));
  const kernelColumnSums = new Float64Array(n);
  for (let j = 0; j < d; j++) for (let u = 0; u < n; u++) kernelColumnSums[u] += kernel[j * n + u];
  return { biasGradient, kernelColumnSums };
}

export interface EquationBlock {
  /** [rows, unknowns] */
  matrix: Float64Array;
  /** [rows] */
  rhs: Float64Array;
}

/**
 * Stacks blocks of equations, each scaled by 1/‖its matrix‖_F so that the two readings of layer L−1
 * (whose scales differ by the input mass, ~100 for MNIST pixels) weigh the same in the least squares.
 */
export function stackBlocks(blocks: readonly EquationBlock[], unknowns: number): EquationBlock {
  const rows = blocks.reduce((total, block) => total + block.rhs.length, 0);
  const matrix = new Float64Array(rows * unknowns);
  const rhs = new Float64Array(rows);
  let row = 0;
  for (const block of blocks) {
    let squares = 0;
    for (const value of block.matrix) squares += value * value;
    const scale = squares > 0 ? 1 / Math.sqrt(squares) : 0;
    for (let r = 0; r < block.rhs.length; r++, row++) {
      rhs[row] = scale * block.rhs[r];
      for (let k = 0; k < unknowns; k++) matrix[row * unknowns + k] = scale * block.matrix[r * unknowns + k];
    }
  }
  return { matrix, rhs };
}
