import { onnx } from './onnxProto.ts';

/**
 * A small helper over onnx-proto's generated classes that names values uniquely and keeps the nodes
 * in the order they are added (ONNX wants a topologically sorted graph, which building in forward order
 * gives for free). Initializers are stored as raw little-endian bytes, which is how ONNX Runtime reads
 * them fastest.
 */
export type AttributeValue = number | readonly number[] | { float: number };

const { AttributeType } = onnx.AttributeProto;
const { DataType } = onnx.TensorProto;

function attribute(name: string, value: AttributeValue): InstanceType<typeof onnx.AttributeProto> {
  if (typeof value === 'number') return onnx.AttributeProto.create({ name, type: AttributeType.INT, i: value });
  if ('float' in value) return onnx.AttributeProto.create({ name, type: AttributeType.FLOAT, f: value.float });
  return onnx.AttributeProto.create({ name, type: AttributeType.INTS, ints: [...(value as readonly number[])] });
}

function bytesOf(data: ArrayBufferView): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export class OnnxGraphBuilder {
  readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  readonly initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  /** Bytes of every initializer so far (the bulk of the serialized model). */
  initializerBytes = 0;
  private readonly used: Set<string>;

  /** `reserved`: the graph's input and output names, which no intermediate value may take. */
  constructor(reserved: readonly string[] = []) {
    this.used = new Set(reserved);
  }

  /** A value name not used before: `base`, or `base_2`, `base_3`, … */
  fresh(base: string): string {
    let name = base;
    for (let i = 2; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Adds a node with one output and returns the output's name. */
  op(opType: string, inputs: readonly string[], attributes: Record<string, AttributeValue> = {}, outputName = opType.toLowerCase()): string {
    return this.opMulti(opType, inputs, 1, attributes, outputName)[0];
  }

  /** Adds a node whose output is the given (reserved) name: a graph output. */
  opTo(output: string, opType: string, inputs: readonly string[], attributes: Record<string, AttributeValue> = {}): string {
    this.nodes.push(
      onnx.NodeProto.create({
        name: this.fresh(`${opType}_node`),
        opType,
        input: [...inputs],
        output: [output],
        attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
      }),
    );
    return output;
  }

  /** Adds a node with `outputs` outputs (Split) and returns their names. */
  opMulti(opType: string, inputs: readonly string[], outputs: number, attributes: Record<string, AttributeValue> = {}, outputName = opType.toLowerCase()): string[] {
    const names = Array.from({ length: outputs }, () => this.fresh(outputName));
    this.nodes.push(
      onnx.NodeProto.create({
        name: this.fresh(`${opType}_node`),
        opType,
        input: [...inputs],
        output: names,
        attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
      }),
    );
    return names;
  }

  /** A float32 initializer; `data` is referenced, not copied, until the model is encoded. */
  float(name: string, dims: readonly number[], data: Float32Array): string {
    const elements = dims.reduce((a, b) => a * b, 1);
    if (elements !== data.length) throw new RangeError(`initializer ${name}: dims [${dims}] need ${elements} values, got ${data.length}`);
    return this.addInitializer(name, dims, DataType.FLOAT, data);
  }

  /** An int64 initializer (shapes, indices, split sizes). */
  int64(name: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.addInitializer(name, dims, DataType.INT64, BigInt64Array.from(values, (v) => BigInt(v)));
  }

  /** A float32 scalar (rank 0). */
  floatScalar(name: string, value: number): string {
    return this.addInitializer(name, [], DataType.FLOAT, new Float32Array([value]));
  }

  private addInitializer(base: string, dims: readonly number[], dataType: number, data: ArrayBufferView): string {
    const name = this.fresh(base);
    this.initializers.push(onnx.TensorProto.create({ name, dims: [...dims], dataType, rawData: bytesOf(data) }));
    this.initializerBytes += data.byteLength;
    return name;
  }
}

/** A tensor type for graph inputs and outputs; a string dimension is symbolic (dim_param). */
export function tensorValueInfo(name: string, elemType: number, dims: readonly (number | string)[]): InstanceType<typeof onnx.ValueInfoProto> {
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  });
}
