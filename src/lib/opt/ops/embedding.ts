import { POSITION_OFFSET } from '../config.ts';

/**
 * CPU twins of src/kernels/opt/embedding.wgsl. `gatherRowsCpu` copies the rows of a [rows, width]
 * table named by `ids` (the token embedding); `addPositionsCpu` adds OPT's learned position embedding,
 * row `position + 2`, where token t of each sequence sits at position `positionOffset + t`
 * (positionOffset > 0 when a KV cache already holds earlier tokens).
 */
export function gatherRowsCpu(table: Float32Array, width: number, ids: Int32Array): Float32Array {
  const rows = table.length / width;
  const out = new Float32Array(ids.length * width);
  ids.forEach((id, i) => {
    if (!(id >= 0 && id < rows)) throw new RangeError(`token id ${id} is outside the vocabulary of ${rows}`);
    out.set(table.subarray(id * width, (id + 1) * width), i * width);
  });
  return out;
}

export interface PositionOptions {
  batch: number;
  seqLen: number;
  width: number;
  positionOffset: number;
}

/** Adds position embeddings to x [batch·seqLen, width] in place. */
export function addPositionsCpu(x: Float32Array, positions: Float32Array, options: PositionOptions): Float32Array {
  const { batch, seqLen, width, positionOffset } = options;
  const tableRows = positions.length / width;
  if (positionOffset + seqLen + POSITION_OFFSET > tableRows) {
    throw new RangeError(`positions up to ${positionOffset + seqLen - 1} exceed the model's ${tableRows - POSITION_OFFSET}`);
  }
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < seqLen; t++) {
      const row = (b * seqLen + t) * width;
      const source = (positionOffset + t + POSITION_OFFSET) * width;
      for (let c = 0; c < width; c++) x[row + c] += positions[source + c];
    }
  }
  return x;
}
