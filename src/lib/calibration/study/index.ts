// The calibration-data study: grid, queue, aggregation and downloads.
export * from './grid.ts';
export * from './aggregate.ts';
export * from './csv.ts';
export * from './runStudy.ts';
