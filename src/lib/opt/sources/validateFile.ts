import { InputError } from '../../errors.ts';
import { parseSafetensors } from '../safetensors.ts';

/**
 * Checks that a model file's bytes are what its name says, before they are cached and whenever a
 * cached copy is read back: JSON files parse as a JSON object, safetensors files pass every header
 * and offset check (so a body cut off early is refused even without a Content-Length), merges.txt is
 * UTF-8 text and not an HTML page. Throws an InputError naming the file.
 */
export function validateModelFile(file: string, bytes: ArrayBuffer): void {
  if (file.endsWith('.safetensors')) {
    parseSafetensors(bytes, file);
    return;
  }
  if (!file.endsWith('.json') && !file.endsWith('.txt')) return;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new InputError(`${file} is not UTF-8 text`, 'the server sent something else, or the file is damaged');
  }
  if (/^\s*</.test(text)) throw new InputError(`${file} is an HTML page, not the model file`, 'the server answered with a web page (a login or error page?) instead of the file');
  if (!file.endsWith('.json')) return;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InputError(`${file} is not valid JSON`, `${bytes.byteLength} bytes that do not parse; a download cut off early looks like this`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InputError(`${file} is not a JSON object`);
}
