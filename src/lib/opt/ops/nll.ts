/**
 * CPU twin of src/kernels/opt/nll.wgsl: negative log-likelihood of target tokens from logits that
 * arrive in vocabulary chunks (the LM head is computed chunk by chunk to bound memory). Per row it
 * keeps a running max m, a running Σ exp(logit − m) (rescaled when m grows: the online softmax of
 * Milakov & Gimelshein 2018) and the target's logit; NLL = m + log Σ − logit[target].
 */
export interface NllState {
  runningMax: Float32Array;
  runningSum: Float32Array;
  targetLogit: Float32Array;
}

export function createNllState(rows: number): NllState {
  return {
    runningMax: new Float32Array(rows).fill(-Infinity),
    runningSum: new Float32Array(rows),
    targetLogit: new Float32Array(rows),
  };
}

/** Folds logits [rows, chunkWidth] of vocabulary ids chunkStart … chunkStart + chunkWidth − 1 into the state. */
export function accumulateNllCpu(state: NllState, logits: Float32Array, targets: Int32Array, chunk: { start: number; width: number }): void {
  const rows = targets.length;
  for (let r = 0; r < rows; r++) {
    const offset = r * chunk.width;
    let chunkMax = -Infinity;
    for (let j = 0; j < chunk.width; j++) chunkMax = Math.max(chunkMax, logits[offset + j]);
    const max = Math.max(state.runningMax[r], chunkMax);
    let sum = state.runningSum[r] * Math.exp(state.runningMax[r] - max);
    for (let j = 0; j < chunk.width; j++) sum += Math.exp(logits[offset + j] - max);
    state.runningMax[r] = max;
    state.runningSum[r] = sum;
    const local = targets[r] - chunk.start;
    if (local >= 0 && local < chunk.width) state.targetLogit[r] = logits[offset + local];
  }
}

export function finishNllCpu(state: NllState): Float32Array {
  return state.runningMax.map((max, r) => max + Math.log(state.runningSum[r]) - state.targetLogit[r]);
}
