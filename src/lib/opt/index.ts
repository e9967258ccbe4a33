// The OPT runtime's public surface (pure TS; the WebGPU runtime lives in src/kernels/opt/gpuRuntime.ts).
export * from './config.ts';
export * from './runtime.ts';
export * from './forward.ts';
export * from './weights.ts';
export * from './safetensors.ts';
export * from './perplexity.ts';
export * from './generate.ts';
export * from './sampling.ts';
export * from './summary.ts';
export * from './reference.ts';
export * from './randomWeights.ts';
export { CpuOptRuntime } from './cpu/cpuRuntime.ts';
export { OptTokenizer } from './tokenizer/tokenizer.ts';
export { loadModelFiles } from './sources/loadModel.ts';
