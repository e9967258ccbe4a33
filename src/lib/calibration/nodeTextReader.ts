import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { checkCalibrationFile, type CalibrationTextReader } from './texts.ts';

/** Node only (CLI, tests, scripts): reads the shipped calibration text from a datasets folder on disk. */
export function fileTextReader(datasetsDir: string): CalibrationTextReader {
  return {
    read: (file) => readFile(path.join(datasetsDir, checkCalibrationFile(file)), 'utf8'),
  };
}
