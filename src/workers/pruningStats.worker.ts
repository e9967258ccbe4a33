import type { Tf } from '../lib/opt/cpu/tfLinear.ts';
import { serveStats, type StatsPort } from '../lib/pruning/statsThread.ts';
import { tfThreadKernels } from '../lib/pruning/tfDenseProduct.ts';
import { tf, useTfBackend } from './tfBackend.ts';

/**
 * The pruning worker's statistics thread (a nested worker, pruningStats.ts): its own tfjs-wasm adds the
 * captured chunks into the Gram while the pruning worker runs the layers, and solves half of each
 * restoration's rows (src/lib/pruning/statsThread.ts).
 */
const port: StatsPort = {
  postMessage: (message, transfer) => self.postMessage(message, { transfer: transfer ?? [] }),
  onMessage: (handler) => self.addEventListener('message', (event: MessageEvent) => handler(event.data)),
};
serveStats(port, useTfBackend('wasm').then(() => tfThreadKernels(tf as unknown as Tf)));
