import type * as TfCore from '@tensorflow/tfjs';
import { meanSquared, trainLoss, type CurvePoint } from './kernelGd.ts';
import type { NetworkRun, TrainNetworkOptions } from './network.ts';

/**
 * The same GD as `trainNetwork` (network.ts, the f64 CPU reference) in tfjs, f32: the wasm backend
 * (XNNPACK, SIMD) on the CPU path, webgpu on a GPU. Per step, with X [n, d], W [m, d], a [m]:
 *   H = X Wᵀ                      [n, m]
 *   f = (1/√m) relu(H) a          [n]
 *   r = f − y                     [n]
 *   ∂L/∂W = (1/(n√m)) ((r ⊗ a) ⊙ 1{H > 0})ᵀ X,  computed transposed as
 *   (∂L/∂W)ᵀ = (1/(n√m)) ((Xᵀ diag(r)) 1{H > 0}) diag(a)      [d, m]
 * We keep Wᵀ [d, m] and Xᵀ [d, n] so that no matMul transposes an operand: tfjs-wasm's transposed
 * matMuls are ~30× slower here than plain ones (bench/ntk.ts). The transposed form also saves one
 * [n, m] elementwise pass. At m = 65,536 and n = 400 each [n, m] tensor is 105 MB, so H, its relu and
 * its mask are disposed inside the step's tidy as soon as they have been used.
 * The caller passes the tfjs module with its backend already started (Node: tfjs-wasm; workers:
 * src/workers/tfBackend.ts).
 */
export type Tf = typeof TfCore;

const SYNC_EVERY = 20;

export async function trainNetworkTf(tf: Tf, options: TrainNetworkOptions): Promise<NetworkRun> {
  const { net, x, y, xTest, yTest, eta, steps } = options;
  const { m, d } = net;
  const n = y.length;
  const nTest = yTest.length;
  const evalAt = new Set(options.evalSteps);
  const keep = new Set(options.keepSteps ?? []);
  const kept = new Map<number, Float64Array>();
  const curve: CurvePoint[] = [];
  const scale = 1 / Math.sqrt(m);

  const xTensor = tf.tensor2d(Float32Array.from(x), [n, d]); // [n, d]
  const xTestTensor = nTest > 0 ? tf.tensor2d(Float32Array.from(xTest), [nTest, d]) : null; // [nTest, d]
  const xT = tf.tensor2d(transposeToF32(x, n, d), [d, n]); // [d, n]
  const yRow = tf.tensor2d(Float32Array.from(y), [1, n]); // [1, n]
  const aColumn = tf.tensor2d(Float32Array.from(net.a), [m, 1]); // [m, 1]
  const aRow = tf.tensor2d(Float32Array.from(net.a), [1, m]); // [1, m]
  let wT = tf.tensor2d(transposeToF32(net.w, m, d), [d, m]); // [d, m]
  const wT0 = wT.clone();

  const predict = (points: TfCore.Tensor2D): TfCore.Tensor2D =>
    tf.tidy(() => {
      const hidden = tf.relu(tf.matMul(points, wT)); // [rows, m]
      return tf.mul(tf.matMul(hidden, aColumn), scale) as TfCore.Tensor2D; // [rows, 1]
    });

  try {
    for (let t = 0; ; t++) {
      const record = evalAt.has(t) || keep.has(t) || t === steps;
      if (record) {
        const f = predict(xTensor);
        const fTrain = Float64Array.from(await f.data());
        f.dispose();
        let fTest = new Float64Array(0);
        if (xTestTensor) {
          const ft = predict(xTestTensor);
          fTest = Float64Array.from(await ft.data());
          ft.dispose();
        }
        curve.push({ step: t, trainLoss: trainLoss(fTrain, y), testRisk: nTest > 0 ? meanSquared(fTest, yTest) : Number.NaN });
        if (keep.has(t) || t === steps) kept.set(t, fTest);
      }
      if (t === steps) break;
      const next = tf.tidy(() => {
        const h = tf.matMul(xTensor, wT); // [n, m]
        const hidden = tf.relu(h); // [n, m]
        const f = tf.mul(tf.matMul(hidden, aColumn), scale); // [n, 1]
        hidden.dispose();
        const mask = tf.step(h); // [n, m]  1{H > 0}
        h.dispose();
        const residual = tf.sub(tf.reshape(f, [1, n]), yRow); // [1, n]
        const weightedT = tf.mul(xT, residual); // [d, n]  Xᵀ diag(r)
        const maskedSumT = tf.matMul(weightedT, mask); // [d, m]
        mask.dispose();
        const gradT = tf.mul(maskedSumT, tf.mul(aRow, scale / n)); // [d, m]
        return tf.sub(wT, tf.mul(gradT, eta)) as TfCore.Tensor2D;
      });
      wT.dispose();
      wT = next;
      // On webgpu the steps are only queued; waiting for the weights now and then keeps progress, ETA and
      // cancel honest and the queue short (on wasm, where every op has already run, it is a small copy).
      if ((t + 1) % SYNC_EVERY === 0) await wT.data();
      options.onStep?.(t + 1);
    }
    net.w = transposeToF64((await wT.data()) as Float32Array, d, m);
    const [moved, initial, perNeuron] = tf.tidy(() => {
      const delta = tf.sub(wT, wT0); // [d, m]
      return [tf.sum(tf.square(delta)), tf.sum(tf.square(wT0)), tf.max(tf.sum(tf.square(delta), 0))];
    });
    const movedValue = (await moved.data())[0];
    const initialValue = (await initial.data())[0];
    const maxNeuron = Math.sqrt((await perNeuron.data())[0]);
    tf.dispose([moved, initial, perNeuron]);
    return {
      curve,
      testPredictions: kept.get(steps) as Float64Array,
      testPredictionsAt: (step) => kept.get(step),
      relativeWeightMovement: Math.sqrt(movedValue / initialValue),
      maxNeuronMovement: maxNeuron,
      net,
    };
  } finally {
    tf.dispose([xTensor, xT, yRow, aColumn, aRow, wT, wT0]);
    if (xTestTensor) xTestTensor.dispose();
  }
}

/** [rows, cols] → [cols, rows], as f32 for upload. */
function transposeToF32(source: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = source[i * cols + j];
  return out;
}

/** [rows, cols] → [cols, rows], as f64 for the CPU-side network. */
function transposeToF64(source: Float32Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = source[i * cols + j];
  return out;
}
