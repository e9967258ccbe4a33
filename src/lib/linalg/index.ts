export * from './matmul.ts';
export * from './colReduce.ts';
