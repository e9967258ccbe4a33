// Exporting OPT models (issue #4, "Results and export"): safetensors + config.json, and ONNX for onnxruntime-web.
export * from './exportableModel.ts';
export * from './safetensorsExport.ts';
export * from './onnxExport.ts';
export * from './onnxRuntime.ts';
export * from './onnxChecks.ts';
export * from './headGroups.ts';
export * from './widthChanges.ts';
export * from './zipFolder.ts';
