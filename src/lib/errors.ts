/**
 * Errors that cross the worker boundary with their meaning intact (see src/workers/errors.ts).
 *
 * `InputError`: the user's input is wrong (a truncated file, a sparsity out of range). The view shows
 * `message` in the module's error banner; `detail` says more (the file, field and what was expected).
 * `Cancelled`: the user pressed cancel; views treat it as a normal end, not a failure.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

export class Cancelled extends Error {
  override readonly name = 'Cancelled';
  constructor(message = 'Cancelled') {
    super(message);
  }
}

export function isCancelled(error: unknown): boolean {
  return error instanceof Error && error.name === 'Cancelled';
}

export function isInputError(error: unknown): error is InputError {
  return error instanceof Error && error.name === 'InputError';
}

/** One line for a banner: the message, plus detail where there is one. */
export function describeError(error: unknown): { message: string; detail?: string } {
  if (error instanceof Error) {
    const detail = (error as { detail?: unknown }).detail;
    return { message: error.message, detail: typeof detail === 'string' ? detail : undefined };
  }
  return { message: String(error) };
}
