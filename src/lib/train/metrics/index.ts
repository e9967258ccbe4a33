export { accuracy } from './accuracy.ts';
export { calibration, type Calibration, type CalibrationBin } from './calibration.ts';
export { confusionMatrix } from './confusion.ts';
export { meanKlDivergence } from './klDivergence.ts';
export { argmaxRows, normalisedSigmoidRows, softmaxRows } from './rows.ts';
