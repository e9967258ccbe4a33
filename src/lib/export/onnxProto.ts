import * as onnxModule from 'onnx-proto';

/**
 * onnx-proto's generated protobuf classes (ONNX 1.10 schema). The package is CommonJS with
 * `module.exports = root`, so under Node's ESM loader the namespace sits on `default`, while bundlers
 * may expose it directly: take whichever is there.
 */
type OnnxNamespace = typeof onnxModule.onnx;
const loaded = onnxModule as unknown as { onnx?: OnnxNamespace; default?: { onnx: OnnxNamespace } };
export const onnx: OnnxNamespace = loaded.onnx ?? loaded.default!.onnx;
export type { onnx as OnnxTypes } from 'onnx-proto';
