import { Cancelled } from './errors.ts';

/**
 * A cancel flag a job polls between steps. When the page is cross-origin isolated it is backed by a
 * SharedArrayBuffer, so a worker busy in a synchronous loop still sees it; otherwise the flag is set
 * by a message, which the worker sees at its next `await`.
 */
export class CancelFlag {
  private readonly cell: Int32Array;

  constructor(shared?: SharedArrayBuffer) {
    this.cell = new Int32Array(shared ?? new ArrayBuffer(4));
  }

  static shareable(): { flag: CancelFlag; buffer: SharedArrayBuffer | undefined } {
    const buffer = typeof SharedArrayBuffer !== 'undefined' && globalThis.crossOriginIsolated
      ? new SharedArrayBuffer(4)
      : undefined;
    return { flag: new CancelFlag(buffer), buffer };
  }

  cancel(): void {
    Atomics.store(this.cell, 0, 1);
  }

  get cancelled(): boolean {
    return Atomics.load(this.cell, 0) === 1;
  }

  throwIfCancelled(): void {
    if (this.cancelled) throw new Cancelled();
  }
}

/** A flag that is never set: for callers (CLI, tests) that do not cancel. */
export const neverCancelled = new CancelFlag();

/** Gives queued messages (a cancel, say) a chance to arrive, then checks the flag. */
export async function checkpoint(flag: CancelFlag): Promise<void> {
  await new Promise<void>((resolve) => setTimeout(resolve, 0));
  flag.throwIfCancelled();
}
