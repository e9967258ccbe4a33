export * from './gram.ts';
export * from './columnScore.ts';
export * from './topK.ts';
export * from './gather.ts';
export * from './cholesky.ts';
export * from './restore.ts';
export * from './stats.ts';
export * from './gpuPruneKernels.ts';
