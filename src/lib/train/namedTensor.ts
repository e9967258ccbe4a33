/** A tensor read back to the CPU, with the weight's stable name (`dense1/kernel`) and shape. */
export interface NamedTensor {
  name: string;
  shape: number[];
  values: Float32Array;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, size) => product * size, 1);
}
