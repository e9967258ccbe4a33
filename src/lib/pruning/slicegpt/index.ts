export * from './symmetricEigen.ts';
export * from './slicedModel.ts';
export * from './sliceGpt.ts';
