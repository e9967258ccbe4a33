import { InputError } from '../errors.ts';
import type { CalibrationStats, CalibrationStatsAccumulator } from './calibrationStats.ts';
import type { StatsFactory, StatsSink } from './layerRunner.ts';

/**
 * Calibration statistics on a second thread (issue #19): the forward keeps running on the calling
 * thread while another thread adds each captured chunk into XᵀX (the blocked SYRK of
 * calibrationStats.ts, on that thread's own tfjs-wasm) and the column sums.
 *
 *   main thread   … layer l, window w ──copy──▶ post ──▶ layer l, window w + 1 …  finish ─ await ─▶ stats
 *   stats thread                           add chunk w (Gram, Σx, Σx²) ─ ack ─▶ …  mirror ─▶ transfer back
 *
 * The other thread runs the same accumulator with the same product, so the statistics are the same
 * numbers as on one thread, bit for bit (tests/unit/statsThread.test.ts). Each chunk is copied before
 * it is posted (the runner may keep or reuse the array it captured: the attention output is reused by
 * propagation) and the copy's buffer is transferred, not cloned. Memory stays bounded: at most
 * `maxInFlight` chunks are posted and not yet added; `add` waits for an acknowledgement beyond that.
 * Works over any message port: Node's worker_threads (src/cli/commands/statsWorker.ts) and a Web
 * Worker alike.
 */

/** The part of a Worker / MessagePort this module uses (Node's worker_threads Worker and a Web Worker both fit with a thin adapter). */
export interface StatsPort {
  postMessage(message: StatsRequest | StatsReply, transfer?: Transferable[]): void;
  onMessage(handler: (message: StatsRequest | StatsReply) => void): void;
  /** The thread died (an uncaught error, out of memory): every waiting call fails with this error. */
  onError?(handler: (error: Error) => void): void;
}

export type StatsRequest =
  | { kind: 'open'; sink: number; width: number; gram: boolean }
  | { kind: 'add'; sink: number; x: Float32Array; rows: number }
  | { kind: 'finish'; sink: number };

export type StatsReply =
  | { kind: 'added'; sink: number; error?: ThreadError }
  | { kind: 'finished'; sink: number; stats?: CalibrationStats; error?: ThreadError };

interface ThreadError {
  name: string;
  message: string;
  detail?: string;
}

export interface ThreadedStatsOptions {
  /** Chunks posted and not yet added on the other thread before `add` waits (default 2). */
  maxInFlight?: number;
  /** Called when the thread has work (true) and when it has none left (false): Node unrefs an idle worker so it never keeps the process alive. */
  onBusy?: (busy: boolean) => void;
}

/** The main thread's side: a StatsFactory whose sinks live on the thread behind `port`. */
export function threadedStatsFactory(port: StatsPort, options: ThreadedStatsOptions = {}): StatsFactory<Float32Array> {
  const maxInFlight = options.maxInFlight ?? 2;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new RangeError(`threaded stats: maxInFlight must be a positive integer, got ${maxInFlight}`);
  let nextSink = 0;
  let inFlight = 0; // chunks posted, not yet acknowledged (all sinks)
  let pending = 0; // requests with a reply to come (chunks and finishes)
  const waiting: (() => void)[] = []; // adds waiting for room
  const failures = new Map<number, ThreadError>(); // first error of each sink, thrown at its next call
  const finishing = new Map<number, { resolve: (stats: CalibrationStats) => void; reject: (error: Error) => void }>();

  const request = (message: StatsRequest, transfer: Transferable[] = []) => {
    if (pending++ === 0) options.onBusy?.(true);
    port.postMessage(message, transfer);
  };
  const replied = () => {
    if (--pending === 0) options.onBusy?.(false);
  };

  let dead: Error | undefined;
  port.onError?.((error) => {
    dead = new Error(`threaded stats: the statistics thread stopped: ${error.message}`);
    for (const waiter of finishing.values()) waiter.reject(dead);
    finishing.clear();
    for (const wake of waiting.splice(0)) wake();
    if (pending > 0) options.onBusy?.(false);
    pending = 0;
  });

  port.onMessage((message) => {
    if (message.kind === 'added') {
      inFlight--;
      if (message.error && !failures.has(message.sink)) failures.set(message.sink, message.error);
      waiting.shift()?.();
      replied();
    } else if (message.kind === 'finished') {
      const waiter = finishing.get(message.sink);
      finishing.delete(message.sink);
      replied();
      const error = failures.get(message.sink) ?? message.error;
      failures.delete(message.sink);
      if (error) waiter?.reject(rebuildError(error));
      else if (message.stats) waiter?.resolve(message.stats);
      else waiter?.reject(new Error('threaded stats: the thread returned no statistics'));
    }
  });

  return (width, { gram }) => {
    if (!Number.isInteger(width) || width < 1) throw new RangeError(`calibration stats: width must be a positive integer, got ${width}`);
    const sink = nextSink++;
    let finished = false;
    port.postMessage({ kind: 'open', sink, width, gram }); // no reply
    const throwIfFailed = () => {
      if (dead) throw dead;
      const error = failures.get(sink);
      if (error) throw rebuildError(error);
    };
    const threaded: StatsSink<Float32Array> = {
      async add(x, rows) {
        if (finished) throw new Error('calibration stats: add after finish');
        if (x.length < rows * width) throw new RangeError(`calibration stats: chunk has ${x.length} values, needs ${rows}×${width}`);
        throwIfFailed();
        while (inFlight >= maxInFlight) {
          await new Promise<void>((resolve) => waiting.push(resolve));
          throwIfFailed();
        }
        const copy = x.slice(0, rows * width); // the runner keeps its own array
        inFlight++;
        request({ kind: 'add', sink, x: copy, rows }, [copy.buffer]);
      },
      finish() {
        if (finished) return Promise.reject(new Error('threaded stats: finish called twice'));
        finished = true;
        if (dead) return Promise.reject(dead);
        const result = new Promise<CalibrationStats>((resolve, reject) => finishing.set(sink, { resolve, reject }));
        request({ kind: 'finish', sink });
        return result;
      },
    };
    return threaded;
  };
}

/**
 * The other thread's side: answers `threadedStatsFactory`'s requests with accumulators from
 * `accumulatorFor` (the same kind the one-thread path uses, so the arithmetic is the same).
 */
export function serveStats(port: StatsPort, accumulatorFor: (width: number, gram: boolean) => CalibrationStatsAccumulator | Promise<CalibrationStatsAccumulator>): void {
  const sinks = new Map<number, Promise<CalibrationStatsAccumulator>>();
  // Requests are handled one after another, in order, even though making an accumulator may await.
  let queue: Promise<void> = Promise.resolve();
  port.onMessage((message) => {
    queue = queue.then(() => handle(message as StatsRequest));
  });

  async function handle(message: StatsRequest): Promise<void> {
    if (message.kind === 'open') {
      const accumulator = Promise.resolve().then(() => accumulatorFor(message.width, message.gram));
      accumulator.catch(() => {}); // reported at the sink's first add or finish
      sinks.set(message.sink, accumulator);
      return;
    }
    const accumulator = sinks.get(message.sink);
    if (message.kind === 'add') {
      try {
        if (!accumulator) throw new Error(`threaded stats: no sink ${message.sink}`);
        (await accumulator).add(message.x, message.rows);
        port.postMessage({ kind: 'added', sink: message.sink });
      } catch (error) {
        port.postMessage({ kind: 'added', sink: message.sink, error: threadError(error) });
      }
      return;
    }
    sinks.delete(message.sink);
    try {
      if (!accumulator) throw new Error(`threaded stats: no sink ${message.sink}`);
      const stats = (await accumulator).finish();
      const transfer: Transferable[] = [stats.colSum.buffer, stats.colSumSq.buffer];
      if (stats.gram) transfer.push(stats.gram.buffer);
      port.postMessage({ kind: 'finished', sink: message.sink, stats }, transfer);
    } catch (error) {
      port.postMessage({ kind: 'finished', sink: message.sink, error: threadError(error) });
    }
  }
}

function threadError(error: unknown): ThreadError {
  if (error instanceof Error) {
    const detail = (error as { detail?: unknown }).detail;
    return { name: error.name, message: error.message, detail: typeof detail === 'string' ? detail : undefined };
  }
  return { name: 'Error', message: String(error) };
}

/** An InputError stays an InputError across the thread (the page shows it as bad input, not a crash). */
function rebuildError(error: ThreadError): Error {
  if (error.name === 'InputError') return new InputError(error.message, error.detail);
  const rebuilt = new Error(error.message);
  rebuilt.name = error.name;
  return rebuilt;
}
