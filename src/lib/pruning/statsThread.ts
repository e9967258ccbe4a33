import { InputError } from '../errors.ts';
import { blockedSolveRight, type BlockedFactor } from './blockedCholesky.ts';
import type { RestorationHelper, RestorationShare } from './blockedRestoration.ts';
import type { CalibrationStats, CalibrationStatsAccumulator } from './calibrationStats.ts';
import type { DenseProduct } from './denseProduct.ts';
import type { StatsFactory, StatsSink } from './layerRunner.ts';

/**
 * The CPU path's second thread (issue #19). Per layer, the pruning pipeline runs on the calling thread
 *
 *   calibration forward ─▶ statistics ─▶ restoration (M = W_D·G_DK, Cholesky, solve) ─▶ propagation
 *
 * and this module moves two parts of it to another thread, where they overlap the calling thread's work:
 *
 *   main thread   … layer l, window w ──copy──▶ post ──▶ layer l, window w + 1 …  finish ─ await ─▶ stats
 *   other thread                           add chunk w (Gram, Σx, Σx²) ─ ack ─▶ …  mirror ─▶ transfer back
 *
 *   main thread   M upper rows, Cholesky of G_KK + λI ──post L──▶ solve upper rows ─ await ─▶ Z
 *   other thread  M lower rows ………………………………………………………………▶ solve lower rows ─▶ transfer back
 *
 * The other thread runs the same accumulator and the same products (its own tfjs-wasm), so the
 * statistics are the same numbers as on one thread, bit for bit, and so is each row of the restoration
 * (tests/unit/statsThread.test.ts). Each chunk is copied before it is posted (the runner may keep or
 * reuse the array it captured: the attention output is reused by propagation) and the copy's buffer is
 * transferred, not cloned. Memory stays bounded: at most `maxInFlight` chunks are posted and not yet
 * added; `add` waits for an acknowledgement beyond that. Works over any message port: Node's
 * worker_threads (src/cli/commands/statsWorker.ts) and a Web Worker (src/workers/pruningStats.ts).
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
  | { kind: 'finish'; sink: number }
  | { kind: 'product'; job: number; a: Float32Array; b: Float32Array; m: number; k: number; n: number }
  | { kind: 'solve'; job: number; l: Float64Array; n: number; block: number }
  | { kind: 'discard'; job: number };

export type StatsReply =
  | { kind: 'added'; sink: number; error?: ThreadError }
  | { kind: 'finished'; sink: number; stats?: CalibrationStats; error?: ThreadError }
  | { kind: 'solved'; job: number; z?: Float64Array; error?: ThreadError };

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

export interface PruningThread {
  /** Statistics added on the other thread. */
  stats: StatsFactory<Float32Array>;
  /** Half of each restoration's rows solved on the other thread (blockedRestorationSolver's helper). */
  restoration: RestorationHelper;
}

/** The calling thread's side of the connection to the thread behind `port`. */
export function connectPruningThread(port: StatsPort, options: ThreadedStatsOptions = {}): PruningThread {
  const maxInFlight = options.maxInFlight ?? 2;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new RangeError(`threaded stats: maxInFlight must be a positive integer, got ${maxInFlight}`);
  let nextSink = 0;
  let nextJob = 0;
  let inFlight = 0; // chunks posted, not yet acknowledged (all sinks)
  let pending = 0; // requests with a reply to come (chunks, finishes, solves)
  const waiting: (() => void)[] = []; // adds waiting for room
  const failures = new Map<number, ThreadError>(); // first error of each sink, thrown at its next call
  type Waiter<T> = { resolve: (value: T) => void; reject: (error: Error) => void };
  const finishing = new Map<number, Waiter<CalibrationStats>>();
  const solving = new Map<number, Waiter<Float64Array>>();
  let dead: Error | undefined;

  const request = (message: StatsRequest, transfer: Transferable[] = []) => {
    if (pending++ === 0) options.onBusy?.(true);
    port.postMessage(message, transfer);
  };
  const replied = () => {
    if (--pending === 0) options.onBusy?.(false);
  };

  port.onError?.((error) => {
    dead = new Error(`threaded stats: the statistics thread stopped: ${error.message}`);
    for (const waiter of [...finishing.values(), ...solving.values()]) waiter.reject(dead);
    finishing.clear();
    solving.clear();
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
    } else if (message.kind === 'solved') {
      const waiter = solving.get(message.job);
      solving.delete(message.job);
      replied();
      if (message.z) waiter?.resolve(message.z);
      else waiter?.reject(rebuildError(message.error ?? { name: 'Error', message: 'threaded stats: the thread returned no solution' }));
    }
  });

  const stats: StatsFactory<Float32Array> = (width, { gram }) => {
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

  const restoration: RestorationHelper = {
    beginProduct(a, b, { m, k, n }): RestorationShare {
      if (dead) throw dead;
      const job = nextJob++;
      port.postMessage({ kind: 'product', job, a, b, m, k, n }, [a.buffer, b.buffer]); // no reply: kept for 'solve'
      return {
        solve(factor: BlockedFactor) {
          if (dead) return Promise.reject(dead);
          const result = new Promise<Float64Array>((resolve, reject) => solving.set(job, { resolve, reject }));
          request({ kind: 'solve', job, l: factor.l, n: factor.n, block: factor.block }); // L is cloned: this thread solves with it too
          return result;
        },
        discard: () => port.postMessage({ kind: 'discard', job }),
      };
    },
  };
  return { stats, restoration };
}

/** Statistics only (see connectPruningThread). */
export function threadedStatsFactory(port: StatsPort, options: ThreadedStatsOptions = {}): StatsFactory<Float32Array> {
  return connectPruningThread(port, options).stats;
}

/**
 * The other thread's side: answers the requests with accumulators from `accumulatorFor` and products
 * from `product` (the same kinds the one-thread path uses, so the arithmetic is the same).
 */
export interface ThreadKernels {
  /** `gramStorage`: zeros of width² to accumulate into (CalibrationStatsAccumulator's option). */
  accumulatorFor: (width: number, gram: boolean, gramStorage?: Float64Array) => CalibrationStatsAccumulator;
  product: DenseProduct;
}

export function serveStats(port: StatsPort, kernels: ThreadKernels | Promise<ThreadKernels>): void {
  const ready = Promise.resolve(kernels);
  ready.catch(() => {}); // reported at the first request that needs it
  const sinks = new Map<number, CalibrationStatsAccumulator | Error>();
  // The next layer's Gram has the width of this one's: its zeros are written after a finish, while the
  // calling thread restores and propagates, so that the next calibration pays no page faults here.
  const spareGrams = new Map<number, Float64Array>();
  const products = new Map<number, { m: Float32Array; rows: number } | Error>();
  // Requests are handled one after another, in order (the first waits for the kernels to start).
  let queue: Promise<void> = Promise.resolve();
  port.onMessage((message) => {
    queue = queue.then(() => handle(message as StatsRequest));
  });

  const attempt = async <T>(body: (k: Awaited<typeof ready>) => T): Promise<T | Error> => {
    try {
      return body(await ready);
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  };

  async function handle(message: StatsRequest): Promise<void> {
    switch (message.kind) {
      case 'open': {
        const storage = message.gram ? spareGrams.get(message.width) : undefined;
        spareGrams.delete(message.width);
        sinks.set(message.sink, await attempt((k) => k.accumulatorFor(message.width, message.gram, storage)));
        return;
      }
      case 'add': {
        const sink = sinks.get(message.sink) ?? new Error(`threaded stats: no sink ${message.sink}`);
        const done = sink instanceof Error ? sink : await attempt(() => sink.add(message.x, message.rows));
        port.postMessage(done instanceof Error ? { kind: 'added', sink: message.sink, error: threadError(done) } : { kind: 'added', sink: message.sink });
        return;
      }
      case 'finish': {
        const sink = sinks.get(message.sink) ?? new Error(`threaded stats: no sink ${message.sink}`);
        sinks.delete(message.sink);
        const stats = sink instanceof Error ? sink : await attempt(() => sink.finish());
        if (stats instanceof Error) {
          port.postMessage({ kind: 'finished', sink: message.sink, error: threadError(stats) });
          return;
        }
        const transfer: Transferable[] = [stats.colSum.buffer, stats.colSumSq.buffer];
        if (stats.gram) transfer.push(stats.gram.buffer);
        port.postMessage({ kind: 'finished', sink: message.sink, stats }, transfer);
        if (stats.gram && !spareGrams.has(stats.width)) spareGrams.set(stats.width, new Float64Array(stats.width * stats.width).fill(0));
        return;
      }
      case 'product':
        products.set(message.job, await attempt((k) => ({ m: k.product(message.a, message.b, { m: message.m, k: message.k, n: message.n }), rows: message.m })));
        return;
      case 'solve': {
        const share = products.get(message.job) ?? new Error(`threaded stats: no product ${message.job}`);
        products.delete(message.job);
        const factor: BlockedFactor = { l: message.l, n: message.n, block: message.block };
        const z = share instanceof Error ? share : await attempt((k) => blockedSolveRight(factor, share.m, share.rows, k.product));
        if (z instanceof Error) port.postMessage({ kind: 'solved', job: message.job, error: threadError(z) });
        else port.postMessage({ kind: 'solved', job: message.job, z }, [z.buffer]);
        return;
      }
      case 'discard':
        products.delete(message.job);
        return;
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
