/** A file the user picked or dropped, with its path inside a dropped folder (or just its name). */
export interface PickedFile {
  path: string;
  file: File;
}

/** Starts a browser download of in-memory data. */
export function downloadBlob(data: BlobPart | Blob, filename: string, type = 'application/octet-stream'): void {
  const blob = data instanceof Blob ? data : new Blob([data], { type });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
