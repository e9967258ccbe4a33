/**
 * One ONNX Runtime peer of bench:opt in its own worker thread: each holds its own copy of the runtime,
 * so onnxruntime-web (whose wasm thread count is fixed once per module instance) can run with 1 and with
 * 2 threads in the same benchmark, interleaved with our runtime on the main thread. bench/optPeers.ts
 * drives it: a setup message (engine, threads, model bytes, input ids) answered with the first run's
 * logits, then one message per timed run answered with its wall time.
 */
import { parentPort } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { INPUT_NAME, OUTPUT_NAME } from '../src/lib/export/onnxExport.ts';
import type { PeerSetup, PeerReply } from './optPeers.ts';

interface Session {
  run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown; dispose?: () => void }>>;
}
interface OrtLike {
  Tensor: new (type: 'int64', data: BigInt64Array, dims: number[]) => { dispose?: () => void };
  InferenceSession: { create(bytes: Uint8Array, options: Record<string, unknown>): Promise<Session> };
  env: { versions?: Record<string, string>; wasm?: { numThreads?: number } };
}

const port = parentPort!;
let run: (() => Promise<Float32Array>) | undefined;

async function setUp(setup: PeerSetup): Promise<PeerReply> {
  let ort: OrtLike;
  let options: Record<string, unknown>;
  if (setup.engine === 'onnxruntime-web') {
    ort = (await import('onnxruntime-web')) as unknown as OrtLike;
    ort.env.wasm!.numThreads = setup.threads;
    options = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };
  } else {
    const module = (await import(pathToFileURL(setup.modulePath!).href)) as { default?: OrtLike } & OrtLike;
    ort = module.InferenceSession ? module : module.default!;
    options = { executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: setup.threads, interOpNumThreads: 1 };
  }
  const session = await ort.InferenceSession.create(setup.modelBytes, options);
  const ids = BigInt64Array.from(setup.ids, (id) => BigInt(id));
  run = async () => {
    const input = new ort.Tensor('int64', ids, [setup.batch, setup.seqLen]);
    const outputs = await session.run({ [INPUT_NAME]: input });
    const logits = outputs[OUTPUT_NAME];
    const data = (logits.data as Float32Array).slice();
    input.dispose?.();
    logits.dispose?.();
    return data;
  };
  const logits = await run(); // also the warm-up
  const version = ort.env.versions?.web ?? ort.env.versions?.node ?? ort.env.versions?.common ?? '';
  // onnxruntime-web quietly falls back to 1 thread where it cannot start workers: report what it kept.
  const threads = setup.engine === 'onnxruntime-web' ? (ort.env.wasm?.numThreads ?? setup.threads) : setup.threads;
  return { kind: 'ready', logits, version, threads };
}

port.on('message', (message: PeerSetup | { kind: 'run' }) => {
  const work = async (): Promise<PeerReply> => {
    if (message.kind === 'setup') return setUp(message);
    const t0 = performance.now();
    await run!();
    return { kind: 'ran', ms: performance.now() - t0 };
  };
  work().then(
    (reply) => port.postMessage(reply, reply.kind === 'ready' ? [reply.logits.buffer as ArrayBuffer] : []),
    (error: unknown) => port.postMessage({ kind: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies PeerReply),
  );
});
