import { elementCount, type NamedTensor } from './namedTensor.ts';

/**
 * Writes named f32 tensors as a .safetensors file (https://huggingface.co/docs/safetensors): an
 * 8-byte little-endian header length, a JSON header {name: {dtype, shape, data_offsets}} padded with
 * spaces to a multiple of 8 bytes, then the raw little-endian data. Trained weights saved this way
 * load in PyTorch, JAX and our own loaders.
 */
export function encodeSafetensors(tensors: readonly NamedTensor[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const tensor of tensors) {
    if (tensor.values.length !== elementCount(tensor.shape)) {
      throw new RangeError(`safetensors: ${tensor.name} has ${tensor.values.length} values for shape [${tensor.shape.join(', ')}]`);
    }
    if (tensor.name in header) throw new RangeError(`safetensors: duplicate tensor name ${tensor.name}`);
    header[tensor.name] = { dtype: 'F32', shape: tensor.shape, data_offsets: [offset, offset + tensor.values.byteLength] };
    offset += tensor.values.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const bytes = new Uint8Array(8 + headerLength + offset);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(headerLength), true);
  bytes.fill(0x20, 8, 8 + headerLength);
  bytes.set(json, 8);
  let at = 8 + headerLength;
  const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  for (const tensor of tensors) {
    const view = new DataView(bytes.buffer, at, tensor.values.byteLength);
    if (littleEndian) bytes.set(new Uint8Array(tensor.values.buffer, tensor.values.byteOffset, tensor.values.byteLength), at);
    else tensor.values.forEach((value, i) => view.setFloat32(4 * i, value, true));
    at += tensor.values.byteLength;
  }
  return bytes;
}
