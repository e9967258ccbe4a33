import { dump } from 'npyjs';
import { describe, expect, it } from 'vitest';
import { importDataset, parseCsvMatrix, parseMatrixFile, parseNpyMatrix } from '../../src/lib/brain/importData.ts';
import { InputError } from '../../src/lib/errors.ts';

const npy = (values: number[], shape: number[]) => new Uint8Array(dump(Float32Array.from(values), shape));
const csv = (text: string) => new TextEncoder().encode(text);

describe('importing real responses', () => {
  it('reads a 2-D float32 .npy and a CSV with a header', () => {
    const m = parseNpyMatrix(npy([1, 2, 3, 4, 5, 6], [2, 3]), 'S1.npy');
    expect(m).toMatchObject({ rows: 2, cols: 3 });
    expect(Array.from(m.data)).toEqual([1, 2, 3, 4, 5, 6]);
    const c = parseCsvMatrix('f1,f2\n0.5,1\n2,-3\n', 'features.csv');
    expect(c).toMatchObject({ rows: 2, cols: 2 });
    expect(Array.from(c.data)).toEqual([0.5, 1, 2, -3]);
  });
  it('builds a dataset whose subjects share the voxel grid and stimuli', () => {
    const data = importDataset({
      features: { name: 'features.csv', bytes: csv('1,0\n0,1\n1,1\n') },
      subjects: [{ name: 'a.npy', bytes: npy([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [3, 4]) }, { name: 'b.csv', bytes: csv('1,2,3,4\n5,6,7,8\n9,10,11,12\n') }],
      sheet: { width: 2, height: 2 },
    });
    expect(data).toMatchObject({ nStimuli: 3, voxels: 4, featureDim: 2, sheet: { width: 2, height: 2 } });
    expect(data.subjects.map((s) => s.id)).toEqual(['a', 'b']);
  });
  it('gives clear errors for bad files', () => {
    const bad = (fn: () => unknown, pattern: RegExp) => {
      let error: unknown;
      try {
        fn();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InputError);
      expect(`${(error as InputError).message} ${(error as InputError).detail ?? ''}`).toMatch(pattern);
    };
    bad(() => parseNpyMatrix(new Uint8Array([1, 2, 3, 4]), 'junk.npy'), /junk\.npy is not a readable \.npy file/);
    bad(() => parseNpyMatrix(npy([1, 2, 3], [3]), 'flat.npy'), /flat\.npy: expected a 2-D array .* got shape \[3\]/);
    bad(() => parseNpyMatrix(npy([1, Number.NaN], [1, 2]), 'nan.npy'), /nan\.npy: value at row 1, column 2 is not a finite number/);
    bad(() => parseCsvMatrix('1,2\n3\n', 'ragged.csv'), /ragged\.csv: row 2 has 1 columns, the first row has 2/);
    bad(() => parseCsvMatrix('1,2\n3,x\n', 'text.csv'), /text\.csv: value at row 2, column 2 is not a finite number/);
    bad(() => parseMatrixFile({ name: 'brain.mat', bytes: new Uint8Array(4) }), /unknown file type.*\.npy or \.csv/);
    const features = { name: 'features.csv', bytes: csv('1,0\n0,1\n') };
    bad(() => importDataset({ features, subjects: [{ name: 'a.csv', bytes: csv('1,2\n3,4\n') }] }), /at least 2 subjects/);
    bad(() => importDataset({ features, subjects: [{ name: 'a.csv', bytes: csv('1,2\n3,4\n') }, { name: 'b.csv', bytes: csv('1,2\n3,4\n5,6\n') }] }), /b\.csv: 3 stimuli \(rows\), but features\.csv has 2/);
    bad(() => importDataset({ features, subjects: [{ name: 'a.csv', bytes: csv('1,2\n3,4\n') }, { name: 'b.csv', bytes: csv('1,2,3\n3,4,5\n') }] }), /b\.csv: 3 voxels .* same voxel grid/);
    bad(() => importDataset({ features, subjects: [{ name: 'a.csv', bytes: csv('1,2\n3,4\n') }, { name: 'b.csv', bytes: csv('1,2\n3,4\n') }], sheet: { width: 3, height: 3 } }), /sheet 3 × 3 does not hold the 2 voxels/);
  });
});
