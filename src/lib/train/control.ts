import { CancelFlag } from '../cancel.ts';

/**
 * Pause, resume and cancel for a training loop that runs in a worker. The loop calls `checkpoint()`
 * after every step: at most every `yieldEveryMs` it lets queued messages (pause, cancel) in, then
 * throws `Cancelled` if cancelled and waits while paused. Yielding through a MessageChannel costs
 * microseconds, where `setTimeout(0)` is clamped to 4 ms once nested.
 */
export class RunControl {
  private pausedNow = false;
  private lastYieldMs = -Infinity;

  constructor(
    readonly cancel: CancelFlag = new CancelFlag(),
    private readonly yieldEveryMs = 30,
  ) {}

  get paused(): boolean {
    return this.pausedNow;
  }

  pause(): void {
    this.pausedNow = true;
  }

  resume(): void {
    this.pausedNow = false;
  }

  async checkpoint(): Promise<void> {
    const now = performance.now();
    if (now - this.lastYieldMs >= this.yieldEveryMs) {
      await yieldToEventLoop();
      this.lastYieldMs = performance.now();
    }
    this.cancel.throwIfCancelled();
    while (this.pausedNow) {
      await new Promise<void>((resolve) => setTimeout(resolve, 50));
      this.cancel.throwIfCancelled();
    }
  }
}

/** Resolves after the messages already queued for this thread have been handled. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise<void>((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
