import { Zip, ZipPassThrough } from 'fflate';
import { InputError } from '../errors.ts';
import type { NamedFile } from './exportableModel.ts';

/**
 * An exported folder as one uncompressed ZIP (weights barely compress, and storing keeps it fast),
 * returned as chunks that a Blob can hold without one more copy of the whole model. Plain ZIP stops at
 * 4 GiB (fflate writes no ZIP64), which the caller checks with `fitsInZip` first.
 */
const ZIP_LIMIT_BYTES = 2 ** 32 - 1;
/** Local header, descriptor and central-directory entry per file, with room for the name. */
const PER_FILE_OVERHEAD_BYTES = 200;

export function fitsInZip(files: readonly NamedFile[]): boolean {
  return files.reduce((sum, file) => sum + file.bytes.byteLength + PER_FILE_OVERHEAD_BYTES, 0) < ZIP_LIMIT_BYTES;
}

export function zipFolder(folder: string, files: readonly NamedFile[]): Uint8Array[] {
  if (!fitsInZip(files)) throw new InputError('The export is larger than 4 GiB, which a plain ZIP cannot hold', 'download the files one by one instead');
  const chunks: Uint8Array[] = [];
  let failure: Error | null = null;
  const archive = new Zip((error, chunk) => {
    if (error) failure = error;
    else chunks.push(chunk);
  });
  for (const file of files) {
    const entry = new ZipPassThrough(`${folder}/${file.name}`);
    archive.add(entry);
    entry.push(file.bytes, true);
  }
  archive.end();
  if (failure) throw failure;
  return chunks;
}
