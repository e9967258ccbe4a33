import * as tf from '@tensorflow/tfjs';

/**
 * tfjs' wasm backend (4.22) has no `Conv2DBackpropFilter`, so a CNN's filter gradient fails there.
 * This registers one in plain JS for that backend:
 *
 *   dW[i, j, c, o] = Σ_{b, y, x} X[b, y·s_h + i − pad_top, x·s_w + j − pad_left, c] · dY[b, y, x, o]
 *
 * (NHWC, no dilation, as tf.layers.conv2d uses it). Zero inputs — MNIST background and ReLU
 * outputs, most of the activations — are skipped, which makes the loop several times faster.
 */
interface WasmBackendLike {
  readSync(dataId: object): ArrayLike<number>;
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: Float32Array): tf.TensorInfo;
}

export function registerWasmConvFilterGrad(): void {
  if (tf.getKernel(tf.Conv2DBackpropFilter, 'wasm')) return;
  tf.registerKernel({
    kernelName: tf.Conv2DBackpropFilter,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as unknown as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
      const wasm = backend as unknown as WasmBackendLike;
      const info = tf.backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number],
        filterShape,
        strides,
        1,
        pad,
        dimRoundingMode,
        false,
        tf.backend_util.convertConv2DDataFormat(dataFormat),
      );
      if (info.dataFormat !== 'channelsLast') throw new Error('Conv2DBackpropFilter (wasm): only NHWC is supported');
      const filterGrad = conv2dFilterGrad(wasm.readSync(x.dataId), wasm.readSync(dy.dataId), info);
      return wasm.makeOutput(info.filterShape.slice(), 'float32', undefined, filterGrad);
    },
  });
}

/** The loop itself, on flat NHWC arrays; exported for the unit test against tfjs' cpu backend. */
export function conv2dFilterGrad(input: ArrayLike<number>, outputGrad: ArrayLike<number>, info: tf.backend_util.Conv2DInfo): Float32Array {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const { top, left } = info.padInfo;
  const result = new Float32Array(filterHeight * filterWidth * inChannels * outChannels);
  for (let b = 0; b < batchSize; b++) {
    for (let yo = 0; yo < outHeight; yo++) {
      for (let xo = 0; xo < outWidth; xo++) {
        const dyBase = ((b * outHeight + yo) * outWidth + xo) * outChannels;
        for (let i = 0; i < filterHeight; i++) {
          const yi = yo * strideHeight + i - top;
          if (yi < 0 || yi >= inHeight) continue;
          for (let j = 0; j < filterWidth; j++) {
            const xi = xo * strideWidth + j - left;
            if (xi < 0 || xi >= inWidth) continue;
            const xBase = ((b * inHeight + yi) * inWidth + xi) * inChannels;
            const wBase = (i * filterWidth + j) * inChannels * outChannels;
            for (let c = 0; c < inChannels; c++) {
              const value = input[xBase + c];
              if (value === 0) continue;
              const row = wBase + c * outChannels;
              for (let o = 0; o < outChannels; o++) result[row + o] += value * outputGrad[dyBase + o];
            }
          }
        }
      }
    }
  }
  return result;
}
