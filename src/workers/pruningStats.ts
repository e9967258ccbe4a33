import { connectPruningThread, type PruningThread, type StatsPort } from '../lib/pruning/statsThread.ts';

/**
 * The CPU path's calibration statistics on a nested Web Worker (pruningStats.worker.ts), for the pruning
 * worker: the Gram of each layer is added there while the layers run here, and half of each
 * restoration's rows are solved there. Worth it only when tfjs-wasm
 * runs on one thread (no cross-origin isolation: with it, tfjs' own threads already use the cores) and
 * the machine has a second core; otherwise `undefined` (the statistics stay on this thread).
 */
export interface StatsThread {
  thread: PruningThread;
  /** False once the thread has failed: make a new one. */
  readonly alive: boolean;
  close(): void;
}

export function statsThreadWorthIt(wasmHasThreads: boolean): boolean {
  return !wasmHasThreads && (globalThis.navigator?.hardwareConcurrency ?? 1) >= 2;
}

export function startStatsThread(): StatsThread {
  const worker = new Worker(new URL('./pruningStats.worker.ts', import.meta.url), { type: 'module', name: 'pruning-stats' });
  let alive = true;
  const port: StatsPort = {
    postMessage: (message, transfer) => worker.postMessage(message, { transfer: transfer ?? [] }),
    onMessage: (handler) => worker.addEventListener('message', (event: MessageEvent) => handler(event.data)),
    onError: (handler) =>
      worker.addEventListener('error', (event: ErrorEvent) => {
        alive = false;
        handler(new Error(event.message || 'the statistics worker failed to start or crashed'));
      }),
  };
  return {
    thread: connectPruningThread(port),
    get alive() {
      return alive;
    },
    close: () => {
      alive = false;
      worker.terminate();
    },
  };
}
