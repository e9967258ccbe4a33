import { parentPort } from 'node:worker_threads';
import { nodeTf } from '../../lib/opt/cpu/nodeTf.ts';
import { serveStats, type StatsPort } from '../../lib/pruning/statsThread.ts';
import { tfThreadKernels } from '../../lib/pruning/tfDenseProduct.ts';

/**
 * The statistics thread of the CPU path in Node (`cpuPruneKernels({ threads: 2 })`, pruneNode.ts): its
 * own tfjs-wasm instance adds the captured chunks into the Gram while the main thread runs the layers,
 * and solves half of each restoration's rows.
 */
if (!parentPort) throw new Error('statsWorker.ts runs as a worker thread (pruneNode.ts starts it)');
const port = parentPort;
const statsPort: StatsPort = {
  postMessage: (message, transfer) => port.postMessage(message, transfer as never),
  onMessage: (handler) => port.on('message', handler),
};
serveStats(statsPort, nodeTf().then(tfThreadKernels));
