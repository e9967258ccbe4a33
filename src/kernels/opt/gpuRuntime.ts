import { InputError } from '../../lib/errors.ts';
import { hasProjections, LAYER_NORM_EPS, valueHeadOffsets, type OptConfig } from '../../lib/opt/config.ts';
import { configWithLayerWidths, type Activations, type KvCache, type LayerCaptures, type LayerOptions, type LayerResult, type OptRuntime } from '../../lib/opt/runtime.ts';
import type { SafetensorsFile } from '../../lib/opt/safetensors.ts';
import { checkLayerWeights, streamOptTensors, weightsToTensors, type LayerNormParams, type Linear, type OptLayerWeights, type OptWeights } from '../../lib/opt/weights.ts';
import type { GpuContext } from '../gpu.ts';
import { runMatmul } from '../matmul.ts';
import type { WeightPrecision } from '../weightPrecision.ts';
import { runAttention, uploadAttentionHeads, type AttentionHeads } from './attention.ts';
import { runElementwise } from './elementwise.ts';
import { runAddPositions, runGather, type TableChunk } from './embedding.ts';
import { GpuKvCache } from './gpuKvCache.ts';
import { maxBindingBytes, WeightBuffers } from './gpuWeights.ts';
import { runLayerNorm } from './layerNorm.ts';
import { LINEAR_ROWS_MAX, runLinearRows } from './linearRows.ts';
import { runNllChunk } from './nll.ts';

/**
 * The WebGPU path of the layer API (src/lib/opt/runtime.ts): weights in GPU buffers, activations as
 * GPUBuffers that stay on the device between layers, every step a WGSL kernel (matmul from
 * src/kernels/matmul.ts, the rest from this folder). Work is recorded into one command encoder and
 * submitted when something is read back, so a whole forward pass is one submit.
 *
 * `weightPrecision: 'f16'` stores the weight matrices (the linears and the token embedding, which is
 * also the LM head) as IEEE halves, halving most of the model's memory; biases, layer norms and the
 * learned positions stay f32, and every kernel accumulates in f32 (src/kernels/weightsF16.wgsl).
 * getLayerWeights returns the rounded values as f32, setLayerWeights rounds again.
 */
interface GpuLinear {
  weight: GPUBuffer | null; // [out, in]; null when a side has width 0
  bias: GPUBuffer | null;
  outFeatures: number;
  inFeatures: number;
}

interface GpuNorm {
  weight: GPUBuffer | null;
  bias: GPUBuffer | null;
}

interface GpuLayer {
  selfAttnLayerNorm: GpuNorm;
  qProj: GpuLinear;
  kProj: GpuLinear;
  vProj: GpuLinear;
  outProj: GpuLinear;
  finalLayerNorm: GpuNorm;
  fc1: GpuLinear;
  fc2: GpuLinear;
  heads: AttentionHeads;
}

/** Vocabulary rows per embedding buffer: also the LM head's chunk. */
const HEAD_CHUNK_ROWS = 8192;
/** Largest logits block the head materialises at once. */
const MAX_LOGITS_BLOCK_BYTES = 64 * 2 ** 20;

export type TensorSource = { files: readonly SafetensorsFile[] } | { weights: OptWeights };

export interface GpuRuntimeOptions {
  /** Storage of the weight matrices: f32 (default) or IEEE halves read as f32. */
  weightPrecision?: WeightPrecision;
  onProgress?: (done: number, total: number) => void;
}

/** The tensors stored in the runtime's weight precision: the linears' matrices (the token table too). */
const WEIGHT_MATRIX = /(_proj|project_in|project_out|fc1|fc2)\.weight$/;

export class GpuOptRuntime implements OptRuntime<GPUBuffer> {
  readonly backend = 'webgpu' as const;
  private readonly store: WeightBuffers;
  private currentConfig: OptConfig;
  private layers: GpuLayer[] = [];
  private tokenChunks: TableChunk[] = [];
  private positions!: GPUBuffer;
  private projectIn: GpuLinear | null = null;
  private projectOut: GpuLinear | null = null;
  private finalLayerNorm: GpuNorm | null = null;

  private constructor(
    private readonly gpu: GpuContext,
    config: OptConfig,
    readonly weightPrecision: WeightPrecision,
  ) {
    this.store = new WeightBuffers(gpu);
    this.currentConfig = config;
  }

  /**
   * Uploads a model tensor by tensor (each float32 array is dropped after its upload). Throws an
   * InputError when the device cannot hold it.
   */
  static async load(gpu: GpuContext, config: OptConfig, source: TensorSource, options: GpuRuntimeOptions = {}): Promise<GpuOptRuntime> {
    const { onProgress } = options;
    const precision = options.weightPrecision ?? 'f32';
    const runtime = new GpuOptRuntime(gpu, config, precision);
    const byName = new Map<string, GPUBuffer>();
    const visit = (name: string, data: Float32Array) => {
      if (name === 'embed_tokens.weight') runtime.tokenChunks = runtime.store.uploadTable(data, config.wordEmbedProjDim, HEAD_CHUNK_ROWS, 'embed_tokens', precision);
      else if (WEIGHT_MATRIX.test(name)) byName.set(name, runtime.store.uploadMatrix(data, precision, name));
      else byName.set(name, runtime.store.upload(data, name));
    };
    gpu.device.pushErrorScope('out-of-memory');
    let failure: unknown;
    try {
      if ('files' in source) {
        await streamOptTensors(config, source.files, visit, onProgress);
      } else {
        const tensors = Object.entries(weightsToTensors(config, source.weights));
        tensors.forEach(([name, { data }], i) => {
          visit(name.replace(/^model\.decoder\./, ''), data);
          onProgress?.(i + 1, tensors.length);
        });
      }
    } catch (error) {
      failure = error;
    }
    const outOfMemory = await gpu.device.popErrorScope();
    if (outOfMemory) failure = new InputError('The model does not fit in GPU memory', `${outOfMemory.message}; try the CPU path (?backend=cpu) or a smaller model`);
    if (failure !== undefined) {
      runtime.dispose();
      throw failure;
    }
    runtime.assemble(byName);
    return runtime;
  }

  private assemble(byName: Map<string, GPUBuffer>): void {
    const config = this.config;
    const get = (name: string) => byName.get(name) ?? null;
    this.positions = get('embed_positions.weight')!;
    const H = config.hiddenSize;
    const Dw = config.wordEmbedProjDim;
    if (hasProjections(config)) {
      this.projectIn = { weight: get('project_in.weight'), bias: null, outFeatures: H, inFeatures: Dw };
      this.projectOut = { weight: get('project_out.weight'), bias: null, outFeatures: Dw, inFeatures: H };
    }
    if (config.doLayerNormBefore) this.finalLayerNorm = { weight: get('final_layer_norm.weight'), bias: get('final_layer_norm.bias') };
    this.layers = Array.from({ length: config.numLayers }, (_, l) => {
      const p = `layers.${l}`;
      const norm = (name: string): GpuNorm => ({ weight: get(`${p}.${name}.weight`), bias: get(`${p}.${name}.bias`) });
      const linear = (name: string, outFeatures: number, inFeatures: number): GpuLinear => ({
        weight: get(`${p}.${name}.weight`),
        bias: get(`${p}.${name}.bias`),
        outFeatures,
        inFeatures,
      });
      const vDim = config.vDims[l];
      const ffn = config.ffnDims[l];
      return {
        selfAttnLayerNorm: norm('self_attn_layer_norm'),
        qProj: linear('self_attn.q_proj', H, H),
        kProj: linear('self_attn.k_proj', H, H),
        vProj: linear('self_attn.v_proj', vDim, H),
        outProj: linear('self_attn.out_proj', H, vDim),
        finalLayerNorm: norm('final_layer_norm'),
        fc1: linear('fc1', ffn, H),
        fc2: linear('fc2', H, ffn),
        heads: this.uploadHeads(l),
      };
    });
  }

  get config(): OptConfig {
    return this.currentConfig;
  }

  get weightBytes(): number {
    return this.store.bytes;
  }

  async embed(ids: Int32Array, shape: { batch: number; seqLen: number; positionOffset?: number }): Promise<Activations<GPUBuffer>> {
    const { batch, seqLen } = shape;
    const rows = batch * seqLen;
    if (ids.length !== rows) throw new RangeError(`embed: ${ids.length} ids for ${batch}×${seqLen}`);
    const { vocabSize, wordEmbedProjDim: Dw, hiddenSize: H, maxPositions } = this.config;
    const positionOffset = shape.positionOffset ?? 0;
    if (positionOffset + seqLen > maxPositions) throw new RangeError(`positions up to ${positionOffset + seqLen - 1} exceed the model's ${maxPositions}`);
    for (const id of ids) if (!(id >= 0 && id < vocabSize)) throw new RangeError(`token id ${id} is outside the vocabulary of ${vocabSize}`);
    const idBuffer = this.gpu.upload(Uint32Array.from(ids));
    let x = runGather(this.gpu, { ids: idBuffer, chunks: this.tokenChunks, tablePrecision: this.weightPrecision }, { rows, width: Dw }); // [N, Dw]
    this.gpu.release(idBuffer);
    if (this.projectIn) {
      const projected = this.linear(x, rows, this.projectIn); // [N, H]
      this.gpu.release(x);
      x = projected;
    }
    runAddPositions(this.gpu, { x, positions: this.positions }, { batch, seqLen, width: H, positionOffset });
    return { data: x, batch, seqLen, width: H };
  }

  async layer(l: number, x: Activations<GPUBuffer>, options: LayerOptions = {}): Promise<LayerResult<GPUBuffer>> {
    return this.runLayer(l, x, options, false) as LayerResult<GPUBuffer>;
  }

  /** The layer only as far as the captured inputs (no fc2, no output): a pruning calibration pass. */
  async captureInputs(l: number, x: Activations<GPUBuffer>, capture: LayerCaptures): Promise<Omit<LayerResult<GPUBuffer>, 'hidden'>> {
    return this.runLayer(l, x, { capture }, true);
  }

  /** Records layer l; with `capturesOnly` it stops once the wanted captures exist (`hidden` absent). */
  private runLayer(l: number, x: Activations<GPUBuffer>, options: LayerOptions, capturesOnly: boolean): Omit<LayerResult<GPUBuffer>, 'hidden'> & { hidden?: Activations<GPUBuffer> } {
    const gpu = this.gpu;
    const config = this.config;
    const weights = this.layers[l];
    if (!weights) throw new RangeError(`layer ${l} is not in 0…${config.numLayers - 1}`);
    const cache = options.cache as GpuKvCache | undefined;
    if (cache && !(cache instanceof GpuKvCache)) throw new TypeError('this KV cache belongs to another backend');
    const { batch, seqLen } = x;
    const rows = batch * seqLen;
    const H = config.hiddenSize;
    const vDim = config.vDims[l];
    const ffn = config.ffnDims[l];
    const preLn = config.doLayerNormBefore;

    // Self-attention block.
    const attnIn = preLn ? this.norm(x.data, rows, weights.selfAttnLayerNorm) : x.data;
    const q = this.linear(attnIn, rows, weights.qProj); // [N, H]
    const k = this.linear(attnIn, rows, weights.kProj); // [N, H]
    const v = this.linear(attnIn, rows, weights.vProj); // [N, vDim]
    if (attnIn !== x.data) gpu.release(attnIn);
    let keyLen = seqLen;
    let keys = k;
    let values = v;
    let keyStride = seqLen;
    if (cache) {
      keyLen = cache.append(l, k, v, seqLen, vDim);
      keys = cache.keys[l];
      values = cache.values[l];
      keyStride = cache.capacity;
    }
    const context = runAttention(gpu, { q, k: keys, v: values, heads: weights.heads }, {
      batch,
      queryLen: seqLen,
      keyLen,
      keyStride,
      numHeads: config.numHeads,
      headDim: config.headDim,
      scale: 1 / Math.sqrt(config.headDim),
    }); // [N, vDim]
    gpu.release(q, k, v);
    const shaped = (data: GPUBuffer, width: number): Activations<GPUBuffer> => ({ data, batch, seqLen, width });
    const captured = (activations?: GPUBuffer): Omit<LayerResult<GPUBuffer>, 'hidden'> => {
      const result: Omit<LayerResult<GPUBuffer>, 'hidden'> = {};
      if (options.capture?.outProjInput) result.outProjInput = shaped(context, vDim);
      else gpu.release(context);
      if (activations && options.capture?.fc2Input) result.fc2Input = shaped(activations, ffn);
      else gpu.release(activations);
      return result;
    };
    if (capturesOnly && !options.capture?.fc2Input) return captured();
    const h = this.linear(context, rows, weights.outProj); // [N, H]
    runElementwise(gpu, 'add', { a: h, b: x.data }, { count: rows * H });
    const attnOut = preLn ? h : this.normInPlace(h, rows, weights.selfAttnLayerNorm);

    // Feed-forward block.
    const mlpIn = preLn ? this.norm(attnOut, rows, weights.finalLayerNorm) : attnOut;
    const activations = this.linear(mlpIn, rows, weights.fc1); // [N, ffn]
    if (mlpIn !== attnOut) gpu.release(mlpIn);
    runElementwise(gpu, 'relu', { a: activations }, { count: rows * ffn });
    if (capturesOnly) {
      gpu.release(attnOut);
      return captured(activations);
    }
    const y = this.linear(activations, rows, weights.fc2); // [N, H]
    runElementwise(gpu, 'add', { a: y, b: attnOut }, { count: rows * H });
    gpu.release(attnOut);
    const out = preLn ? y : this.normInPlace(y, rows, weights.finalLayerNorm);
    return { hidden: shaped(out, H), ...captured(activations) };
  }

  /** x [rows, in] → [rows, out] (x·Wᵀ + b); a zero-width side leaves just the bias. */
  private linear(x: GPUBuffer, rows: number, linear: GpuLinear): GPUBuffer {
    const out = this.gpu.acquire(Math.max(1, rows * linear.outFeatures) * 4, undefined, 'linear.out');
    if (linear.outFeatures === 0) return out;
    if (linear.inFeatures === 0 || linear.weight === null) {
      this.gpu.fill(out, 0, rows * linear.outFeatures * 4);
      if (linear.bias) runElementwise(this.gpu, 'addRowBias', { a: out, b: linear.bias }, { count: rows * linear.outFeatures, width: linear.outFeatures });
      return out;
    }
    return this.product(x, linear.weight, linear.bias ?? undefined, { m: rows, n: linear.outFeatures, k: linear.inFeatures }, out);
  }

  /** x [m, k] · Wᵀ (+ b), W [n, k] in the runtime's precision: the few-rows kernel for decoding, the tiled matmul otherwise. */
  private product(x: GPUBuffer, weight: GPUBuffer, bias: GPUBuffer | undefined, shape: { m: number; n: number; k: number }, out?: GPUBuffer): GPUBuffer {
    const precision = this.weightPrecision;
    if (shape.m <= LINEAR_ROWS_MAX) return runLinearRows(this.gpu, { x, weight, bias, out, weightPrecision: precision }, shape);
    return runMatmul(this.gpu, { a: x, b: weight, bias, out, bPrecision: precision }, { ...shape, transB: true });
  }

  private norm(x: GPUBuffer, rows: number, params: GpuNorm): GPUBuffer {
    return runLayerNorm(this.gpu, { x, weight: params.weight, bias: params.bias }, { rows, width: this.config.hiddenSize, eps: LAYER_NORM_EPS });
  }

  private normInPlace(x: GPUBuffer, rows: number, params: GpuNorm): GPUBuffer {
    const normed = this.norm(x, rows, params);
    this.gpu.release(x);
    return normed;
  }

  /** Final layer norm and project_out of the chosen rows: the LM head's input [rows, Dw]. */
  private headInput(x: Activations<GPUBuffer>, lastPositionOnly: boolean): { buffer: GPUBuffer; rows: number } {
    const gpu = this.gpu;
    let rows = x.batch * x.seqLen;
    let h = x.data;
    if (lastPositionOnly && x.seqLen > 1) {
      rows = x.batch;
      h = gpu.acquire(rows * x.width * 4, undefined, 'head.lastRows');
      for (let b = 0; b < x.batch; b++) gpu.copy(x.data, h, x.width * 4, ((b + 1) * x.seqLen - 1) * x.width * 4, b * x.width * 4);
    }
    if (this.finalLayerNorm) {
      const normed = this.norm(h, rows, this.finalLayerNorm);
      if (h !== x.data) gpu.release(h);
      h = normed;
    }
    if (this.projectOut) {
      const projected = this.linear(h, rows, this.projectOut);
      if (h !== x.data) gpu.release(h);
      h = projected;
    }
    if (h === x.data) {
      // Callers release the head input; never hand them the caller's own activations.
      const copy = gpu.acquire(rows * x.width * 4, undefined, 'head.input');
      gpu.copy(h, copy, rows * x.width * 4);
      h = copy;
    }
    return { buffer: h, rows };
  }

  /** Rows of the head input processed together, so a logits block stays under MAX_LOGITS_BLOCK_BYTES. */
  private rowBlocks(rows: number): { start: number; rows: number }[] {
    const perBlock = Math.max(1, Math.floor(Math.min(MAX_LOGITS_BLOCK_BYTES, maxBindingBytes(this.gpu)) / (HEAD_CHUNK_ROWS * 4)));
    const blocks = [];
    for (let start = 0; start < rows; start += perBlock) blocks.push({ start, rows: Math.min(perBlock, rows - start) });
    return blocks;
  }

  /** Rows start…start+n of a [rows, width] buffer as their own buffer (or the buffer itself when whole). */
  private sliceRows(buffer: GPUBuffer, totalRows: number, width: number, block: { start: number; rows: number }): GPUBuffer {
    if (block.start === 0 && block.rows === totalRows) return buffer;
    const slice = this.gpu.acquire(block.rows * width * 4, undefined, 'head.rowBlock');
    this.gpu.copy(buffer, slice, block.rows * width * 4, block.start * width * 4);
    return slice;
  }

  async logits(x: Activations<GPUBuffer>, options: { lastPositionOnly?: boolean } = {}): Promise<Float32Array> {
    const gpu = this.gpu;
    const { vocabSize: V, wordEmbedProjDim: Dw } = this.config;
    const head = this.headInput(x, options.lastPositionOnly ?? false);
    const out = new Float32Array(head.rows * V);
    for (const block of this.rowBlocks(head.rows)) {
      const input = this.sliceRows(head.buffer, head.rows, Dw, block);
      for (const chunk of this.tokenChunks) {
        const logits = this.product(input, chunk.buffer, undefined, { m: block.rows, n: chunk.rows, k: Dw }); // [rows, chunk]
        const values = await gpu.readF32(logits, block.rows * chunk.rows);
        gpu.release(logits);
        for (let r = 0; r < block.rows; r++) out.set(values.subarray(r * chunk.rows, (r + 1) * chunk.rows), (block.start + r) * V + chunk.start);
      }
      if (input !== head.buffer) gpu.release(input);
    }
    gpu.release(head.buffer);
    return out;
  }

  async nll(x: Activations<GPUBuffer>, targets: Int32Array): Promise<Float32Array> {
    const gpu = this.gpu;
    const Dw = this.config.wordEmbedProjDim;
    const rows = x.batch * x.seqLen;
    if (targets.length !== rows) throw new RangeError(`nll: ${targets.length} targets for ${rows} rows`);
    const head = this.headInput(x, false);
    const out = new Float32Array(rows);
    for (const block of this.rowBlocks(rows)) {
      const input = this.sliceRows(head.buffer, rows, Dw, block);
      const targetBuffer = gpu.upload(Uint32Array.from(targets.subarray(block.start, block.start + block.rows)));
      const state = gpu.acquire(block.rows * 3 * 4, undefined, 'nll.state');
      const nll = gpu.acquire(block.rows * 4, undefined, 'nll.out');
      this.tokenChunks.forEach((chunk, index) => {
        const logits = this.product(input, chunk.buffer, undefined, { m: block.rows, n: chunk.rows, k: Dw });
        runNllChunk(gpu, { logits, targets: targetBuffer, state, nll }, {
          rows: block.rows,
          start: chunk.start,
          width: chunk.rows,
          first: index === 0,
          last: index === this.tokenChunks.length - 1,
        });
        gpu.release(logits);
      });
      out.set(await gpu.readF32(nll, block.rows), block.start);
      gpu.release(targetBuffer, state, nll);
      if (input !== head.buffer) gpu.release(input);
    }
    gpu.release(head.buffer);
    return out;
  }

  async read(x: Activations<GPUBuffer>): Promise<Float32Array> {
    return this.gpu.readF32(x.data, x.batch * x.seqLen * x.width);
  }

  upload(data: Float32Array, shape: { batch: number; seqLen: number; width: number }): Activations<GPUBuffer> {
    if (data.length !== shape.batch * shape.seqLen * shape.width) throw new RangeError('upload: data length does not match the shape');
    return { data: this.gpu.upload(data), ...shape };
  }

  release(...xs: (Activations<GPUBuffer> | undefined)[]): void {
    for (const x of xs) if (x) this.gpu.release(x.data);
  }

  async getLayerWeights(l: number): Promise<OptLayerWeights> {
    const layer = this.layers[l];
    if (!layer) throw new RangeError(`layer ${l} is not in 0…${this.config.numLayers - 1}`);
    const H = this.config.hiddenSize;
    const read = async (buffer: GPUBuffer | null, length: number) => (buffer && length > 0 ? this.gpu.readF32(buffer, length) : null);
    const norm = async (n: GpuNorm): Promise<LayerNormParams> => ({ weight: await read(n.weight, H), bias: await read(n.bias, H) });
    const linear = async (n: GpuLinear): Promise<Linear> => ({
      weight:
        n.weight && n.outFeatures * n.inFeatures > 0
          ? await this.store.readMatrix(n.weight, n.outFeatures * n.inFeatures, this.weightPrecision)
          : new Float32Array(n.outFeatures * n.inFeatures),
      bias: n.bias ? await read(n.bias, n.outFeatures) : this.config.enableBias ? new Float32Array(0) : null,
      outFeatures: n.outFeatures,
      inFeatures: n.inFeatures,
    });
    return {
      selfAttnLayerNorm: await norm(layer.selfAttnLayerNorm),
      qProj: await linear(layer.qProj),
      kProj: await linear(layer.kProj),
      vProj: await linear(layer.vProj),
      outProj: await linear(layer.outProj),
      finalLayerNorm: await norm(layer.finalLayerNorm),
      fc1: await linear(layer.fc1),
      fc2: await linear(layer.fc2),
    };
  }

  async setLayerWeights(l: number, weights: OptLayerWeights, vHeadDims?: readonly number[]): Promise<void> {
    const next = configWithLayerWidths(this.config, l, weights, vHeadDims);
    checkLayerWeights(next, l, weights);
    // Work recorded but not yet submitted may still use the old buffers (a pruning pipeline that keeps
    // activations on the device reads nothing back between layers): submit it before they are destroyed.
    await this.gpu.flush();
    const old = this.layers[l];
    const norm = (n: LayerNormParams): GpuNorm => ({
      weight: n.weight && this.store.upload(n.weight, `layers.${l}.norm.weight`),
      bias: n.bias && this.store.upload(n.bias, `layers.${l}.norm.bias`),
    });
    const linear = (n: Linear, name: string): GpuLinear => ({
      weight: n.outFeatures > 0 && n.inFeatures > 0 ? this.store.uploadMatrix(n.weight, this.weightPrecision, `layers.${l}.${name}.weight`) : null,
      bias: n.bias && n.outFeatures > 0 ? this.store.upload(n.bias, `layers.${l}.${name}.bias`) : null,
      outFeatures: n.outFeatures,
      inFeatures: n.inFeatures,
    });
    this.currentConfig = next;
    this.layers[l] = {
      selfAttnLayerNorm: norm(weights.selfAttnLayerNorm),
      qProj: linear(weights.qProj, 'q_proj'),
      kProj: linear(weights.kProj, 'k_proj'),
      vProj: linear(weights.vProj, 'v_proj'),
      outProj: linear(weights.outProj, 'out_proj'),
      finalLayerNorm: norm(weights.finalLayerNorm),
      fc1: linear(weights.fc1, 'fc1'),
      fc2: linear(weights.fc2, 'fc2'),
      heads: this.uploadHeads(l),
    };
    this.destroyLayer(old);
  }

  createKvCache(batch: number, capacity: number): KvCache {
    if (capacity > this.config.maxPositions) throw new RangeError(`a KV cache of ${capacity} exceeds the model's ${this.config.maxPositions} positions`);
    return new GpuKvCache(this.gpu, this.config, batch, capacity);
  }

  dispose(): void {
    this.store.destroyAll();
    for (const layer of this.layers) this.gpu.release(layer.heads.vOffsets, layer.heads.activeHeads);
    this.layers = [];
  }

  private uploadHeads(l: number): AttentionHeads {
    return uploadAttentionHeads(this.gpu, valueHeadOffsets(this.config, l));
  }

  private destroyLayer(layer: GpuLayer): void {
    const linears = [layer.qProj, layer.kProj, layer.vProj, layer.outProj, layer.fc1, layer.fc2];
    this.store.destroy(
      layer.selfAttnLayerNorm.weight,
      layer.selfAttnLayerNorm.bias,
      layer.finalLayerNorm.weight,
      layer.finalLayerNorm.bias,
      ...linears.flatMap((linear) => [linear.weight, linear.bias]),
    );
    this.gpu.release(layer.heads.vOffsets, layer.heads.activeHeads);
  }
}
