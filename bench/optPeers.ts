import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { startTsWorker } from '../src/cli/tsWorker.ts';

/**
 * The ONNX Runtime peers of bench:opt (onnxruntime-web's wasm build, and onnxruntime-node's native CPU
 * build when one is installed), each in a worker thread (optPeer.worker.ts) so that every engine and
 * thread count runs in the same process, interleaved with our runtime.
 *
 * onnxruntime-node is not a dependency of this project: its install script downloads binaries, which
 * would break an offline `npm ci`. The bench loads it only from where the user points.
 */
export type PeerEngine = 'onnxruntime-web' | 'onnxruntime-node';

export interface PeerSetup {
  kind: 'setup';
  engine: PeerEngine;
  threads: number;
  /** onnxruntime-node's entry file (its package.json `main`). */
  modulePath?: string;
  modelBytes: Uint8Array;
  ids: Int32Array;
  batch: number;
  seqLen: number;
}

export type PeerReply =
  | { kind: 'ready'; logits: Float32Array; version: string; threads: number }
  | { kind: 'ran'; ms: number }
  | { kind: 'failed'; message: string };

export interface Peer {
  label: string;
  engine: PeerEngine;
  /** Threads the engine runs with (onnxruntime-web may have fallen back to 1). */
  threads: number;
  version: string;
  /** Logits of the warm-up run, for the parity check. */
  logits: Float32Array;
  /** One timed forward pass in the worker: its wall time, ms. */
  runOnce(): Promise<number>;
  close(): Promise<void>;
}

export const ORT_NODE_HELP =
  'not installed. Add it outside this project, without saving it as a dependency: ' +
  '`npm install --prefix /tmp/ortn onnxruntime-node@1.30.0 --onnxruntime-node-install=skip`, ' +
  'then `npm run bench:opt -- --ort-node /tmp/ortn/node_modules/onnxruntime-node` (or set NODE_PATH=/tmp/ortn/node_modules)';

/**
 * onnxruntime-node's entry file: from `--ort-node <package folder>`, else the folders of NODE_PATH,
 * else this project's own resolution (an install made with `--no-save`); null when none has it.
 */
export function findOrtNode(argv: readonly string[]): string | null {
  const flag = argv.indexOf('--ort-node');
  const candidates: string[] = [];
  if (flag >= 0 && argv[flag + 1]) candidates.push(path.resolve(argv[flag + 1]));
  for (const dir of (process.env.NODE_PATH ?? '').split(path.delimiter).filter(Boolean)) candidates.push(path.join(dir, 'onnxruntime-node'));
  for (const dir of candidates) {
    const manifest = path.join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    const main = (JSON.parse(readFileSync(manifest, 'utf8')) as { main?: string }).main ?? 'dist/index.js';
    return path.join(dir, main);
  }
  if (flag >= 0) return null; // an explicit folder that does not hold it: say so, do not look elsewhere
  try {
    return createRequire(import.meta.url).resolve('onnxruntime-node');
  } catch {
    return null;
  }
}

export async function startPeer(setup: Omit<PeerSetup, 'kind'>): Promise<Peer> {
  const worker = startTsWorker(new URL('./optPeer.worker.ts', import.meta.url));
  const reply = () =>
    new Promise<PeerReply>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      worker.once('error', onError);
      worker.once('message', (message: PeerReply) => {
        worker.off('error', onError);
        if (message.kind === 'failed') reject(new Error(message.message));
        else resolve(message);
      });
    });
  const ready = reply();
  worker.postMessage({ kind: 'setup', ...setup } satisfies PeerSetup);
  let first: PeerReply;
  try {
    first = await ready;
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  if (first.kind !== 'ready') throw new Error(`peer: unexpected ${first.kind}`);
  return {
    label: `${setup.engine} ${first.version} (${setup.engine === 'onnxruntime-web' ? 'wasm' : 'native CPU'}, ${first.threads} thread${first.threads === 1 ? '' : 's'})`,
    engine: setup.engine,
    threads: first.threads,
    version: first.version,
    logits: first.logits,
    async runOnce() {
      const answer = reply();
      worker.postMessage({ kind: 'run' });
      const message = await answer;
      if (message.kind !== 'ran') throw new Error(`peer: unexpected ${message.kind}`);
      return message.ms;
    },
    async close() {
      await worker.terminate();
    },
  };
}
