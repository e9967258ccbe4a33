/**
 * CPU twin of src/kernels/opt/attention.wgsl: causal multi-head attention where each head keeps its
 * own number of value channels (pruned models; a head may keep none).
 *
 * q [batch·queryLen, numHeads·headDim], k [batch·keyLen, numHeads·headDim], v [batch·keyLen, vDim],
 * all row-major. The queries are the last `queryLen` positions of each sequence of `keyLen` (equal
 * lengths without a KV cache; queryLen = 1 for one generated token), so query i sees keys
 * 0 … keyLen − queryLen + i. Head h reads value channels vOffsets[h] … vOffsets[h+1] and writes the
 * same columns of the output [batch·queryLen, vDim]: that output is out_proj's input.
 * softmax(q·kᵀ·scale) with scale = headDim^-½ (HF scales q after its bias; the same product).
 */
export interface AttentionShape {
  batch: number;
  queryLen: number;
  keyLen: number;
  numHeads: number;
  headDim: number;
  /** Prefix sums of the value widths per head: length numHeads + 1, last = vDim. */
  vOffsets: readonly number[];
  scale: number;
  /** Rows between consecutive sequences in k and v (≥ keyLen; a KV cache's capacity). Default keyLen. */
  keyStride?: number;
}

export function attentionCpu(q: Float32Array, k: Float32Array, v: Float32Array, shape: AttentionShape): Float32Array {
  const { batch, queryLen, keyLen, numHeads, headDim, vOffsets, scale } = shape;
  const keyStride = shape.keyStride ?? keyLen;
  const qkWidth = numHeads * headDim;
  const vDim = vOffsets[numHeads];
  if (queryLen > keyLen) throw new RangeError(`attention: ${queryLen} queries but only ${keyLen} keys`);
  const out = new Float32Array(batch * queryLen * vDim);
  const scores = new Float64Array(keyLen);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < queryLen; i++) {
      const lastKey = keyLen - queryLen + i;
      const qRow = (b * queryLen + i) * qkWidth;
      for (let h = 0; h < numHeads; h++) {
        let max = -Infinity;
        for (let j = 0; j <= lastKey; j++) {
          const kRow = (b * keyStride + j) * qkWidth;
          let dot = 0;
          for (let d = 0; d < headDim; d++) dot += q[qRow + h * headDim + d] * k[kRow + h * headDim + d];
          scores[j] = dot * scale;
          max = Math.max(max, scores[j]);
        }
        let sum = 0;
        for (let j = 0; j <= lastKey; j++) {
          scores[j] = Math.exp(scores[j] - max);
          sum += scores[j];
        }
        const outRow = (b * queryLen + i) * vDim;
        for (let c = vOffsets[h]; c < vOffsets[h + 1]; c++) {
          let acc = 0;
          for (let j = 0; j <= lastKey; j++) acc += scores[j] * v[(b * keyStride + j) * vDim + c];
          out[outRow + c] = acc / sum;
        }
      }
    }
  }
  return out;
}
