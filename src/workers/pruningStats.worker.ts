import type { Tf } from '../lib/opt/cpu/tfLinear.ts';
import { serveStats, type StatsPort } from '../lib/pruning/statsThread.ts';
import { tfStatsAccumulator } from '../lib/pruning/tfDenseProduct.ts';
import { tf, useTfBackend } from './tfBackend.ts';

/**
 * The pruning worker's statistics thread (a nested worker, pruningStats.ts): its own tfjs-wasm adds the
 * captured chunks into the Gram while the pruning worker runs the layers (src/lib/pruning/statsThread.ts).
 */
const accumulatorFor = useTfBackend('wasm').then(() => tfStatsAccumulator(tf as unknown as Tf));
const port: StatsPort = {
  postMessage: (message, transfer) => self.postMessage(message, { transfer: transfer ?? [] }),
  onMessage: (handler) => self.addEventListener('message', (event: MessageEvent) => handler(event.data)),
};
serveStats(port, async (width, gram) => (await accumulatorFor)(width, gram));
