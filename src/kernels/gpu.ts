import type { AdapterSummary } from '../lib/backend.ts';
import { pipelineKey, type Kernel, type PipelineConstants } from './kernel.ts';
import type { UniformFields, UniformValues } from './uniforms.ts';

/**
 * The GPU runtime: one `GpuContext` owns a device, its pipeline cache, a buffer pool and the command
 * encoder that dispatches are recorded into. Kernels receive a context, never a global, and the
 * `GPU` object comes from outside (`navigator.gpu` in a page or worker, the `webgpu` package's
 * `create([])` under Node), so the same kernels run in both.
 */

const STORAGE = 0x80; // GPUBufferUsage.STORAGE; the globals are absent under Node without a GPU
const COPY_SRC = 0x04;
const COPY_DST = 0x08;
const MAP_READ = 0x01;
const UNIFORM = 0x40;

export const BufferUsage = { STORAGE, COPY_SRC, COPY_DST, MAP_READ, UNIFORM } as const;
/** What most compute buffers need: bound as storage, filled by upload, read back, copied. */
export const STORAGE_RW = STORAGE | COPY_SRC | COPY_DST;

export interface GpuContextOptions {
  /** Error scopes around each submit, and WGSL compile messages: slower, for tests and `?debug`. */
  debug?: boolean;
  /** Ask for `shader-f16` when the adapter has it (default true). */
  wantF16?: boolean;
  powerPreference?: GPUPowerPreference;
  /** Called once when the device is lost (driver reset, tab in background too long, …). */
  onLost?: (info: { reason: string; message: string }) => void;
}

export class GpuError extends Error {
  override readonly name = 'GpuError';
}

/** Limits we raise to what the adapter offers: big models need big storage buffers. */
const RAISED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
] as const;

export function summarizeAdapter(adapter: GPUAdapter, shaderF16: boolean): AdapterSummary {
  const info = adapter.info;
  const legacyFallback = (adapter as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter;
  const infoFallback = (info as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter;
  return {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    device: info?.device ?? '',
    description: info?.description ?? '',
    isFallback: Boolean(infoFallback ?? legacyFallback ?? false),
    shaderF16,
  };
}

/**
 * Asks `gpu` for an adapter and a device with raised limits. Returns null when there is no adapter,
 * so the caller falls back to the CPU path; throws only on a real failure to create the device.
 */
export async function createGpuContext(gpu: GPU | undefined, options: GpuContextOptions = {}): Promise<GpuContext | null> {
  if (!gpu) return null;
  const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' });
  if (!adapter) return null;
  const shaderF16 = (options.wantF16 ?? true) && adapter.features.has('shader-f16');
  const requiredLimits: Record<string, number> = {};
  for (const name of RAISED_LIMITS) {
    const value = (adapter.limits as unknown as Record<string, number>)[name];
    if (typeof value === 'number') requiredLimits[name] = value;
  }
  const device = await adapter.requestDevice({
    requiredFeatures: shaderF16 ? ['shader-f16'] : [],
    requiredLimits,
  });
  return new GpuContext(device, summarizeAdapter(adapter, shaderF16), options);
}

interface Dispatch<F extends UniformFields> {
  kernel: Kernel<F>;
  uniforms: UniformValues<F>;
  /** Storage buffers for bindings 1, 2, … */
  bindings: readonly GPUBuffer[];
  workgroups: readonly [number, number?, number?];
  constants?: PipelineConstants;
}

/**
 * A dispatch made ready once — pipeline, uniform buffer, bind group — to be recorded many times, as
 * iterative kernels do (same buffers and uniforms every iteration). Made by `GpuContext.prepare`.
 */
export interface PreparedDispatch {
  readonly name: string;
  readonly pipeline: GPUComputePipeline;
  readonly bindGroup: GPUBindGroup;
  readonly workgroups: readonly [number, number, number];
  readonly uniformBuffer: GPUBuffer;
}

export class GpuContext {
  readonly lost: Promise<GPUDeviceLostInfo>;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly pool = new BufferPool();
  private encoder: GPUCommandEncoder | undefined;
  private pendingKernels: string[] = [];
  private transient: GPUBuffer[] = [];
  private releasedWhileRecording: GPUBuffer[] = [];
  private placeholder: GPUBuffer | undefined;
  private destroyed = false;
  /** Debug mode: one pending error-scope result per recorded dispatch and submit. */
  private scopeChecks: Promise<string | null>[] = [];

  constructor(
    readonly device: GPUDevice,
    readonly adapter: AdapterSummary,
    private readonly options: GpuContextOptions = {},
  ) {
    this.lost = device.lost;
    void device.lost.then((info) => {
      if (!this.destroyed) options.onLost?.({ reason: String(info.reason), message: info.message });
    });
  }

  get limits(): GPUSupportedLimits {
    return this.device.limits;
  }

  get shaderF16(): boolean {
    return this.adapter.shaderF16;
  }

  get debug(): boolean {
    return this.options.debug ?? false;
  }

  /** The compute pipeline for a kernel and its override constants, compiled once per key. */
  pipeline<F extends UniformFields>(kernel: Kernel<F>, constants: PipelineConstants = {}): GPUComputePipeline {
    const key = pipelineKey(kernel.name, constants);
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      const module = this.device.createShaderModule({ label: kernel.name, code: kernel.uniforms.wgsl() + kernel.source });
      const numericConstants: Record<string, number> = {};
      for (const [name, value] of Object.entries(constants)) numericConstants[name] = Number(value);
      pipeline = this.device.createComputePipeline({
        label: key,
        layout: 'auto',
        compute: { module, entryPoint: kernel.entryPoint ?? 'main', constants: numericConstants },
      });
      this.pipelines.set(key, pipeline);
    }
    return pipeline;
  }

  /** A buffer from the pool (contents undefined). Give it back with `release` when done. */
  acquire(byteLength: number, usage = STORAGE_RW, label?: string): GPUBuffer {
    this.checkSize(byteLength, label);
    return this.pool.acquire(this.device, byteLength, usage, label);
  }

  /**
   * Returns buffers to the pool. While commands are still being recorded the buffers wait for the next
   * submit: `queue.writeBuffer` runs before unsubmitted commands, so handing a buffer out again at once
   * could let a write overtake a dispatch that still reads it.
   */
  release(...buffers: (GPUBuffer | undefined)[]): void {
    for (const buffer of buffers) {
      if (!buffer) continue;
      if (this.encoder) this.releasedWhileRecording.push(buffer);
      else this.pool.release(buffer);
    }
  }

  /** Copies typed data into a new pooled storage buffer. */
  upload(data: ArrayBufferView, usage = STORAGE_RW, label?: string): GPUBuffer {
    const buffer = this.acquire(Math.max(16, alignTo(data.byteLength, 4)), usage, label);
    this.write(buffer, data);
    return buffer;
  }

  write(buffer: GPUBuffer, data: ArrayBufferView, byteOffset = 0): void {
    // writeBuffer wants a multiple of 4 bytes; typed arrays of 1- or 2-byte elements may need padding.
    if (data.byteLength % 4 === 0) {
      this.device.queue.writeBuffer(buffer, byteOffset, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
    } else {
      const padded = new Uint8Array(alignTo(data.byteLength, 4));
      padded.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      this.device.queue.writeBuffer(buffer, byteOffset, padded);
    }
  }

  /** Fills a buffer with one float value (tests poison outputs with NaN this way). */
  fill(buffer: GPUBuffer, value: number, byteLength = buffer.size): void {
    this.write(buffer, new Float32Array(byteLength / 4).fill(value));
  }

  /** Records one dispatch into the current command encoder; `flush` (or a read) submits it. */
  dispatch<F extends UniformFields>(d: Dispatch<F>): void {
    if (this.debug) this.pushScopes();
    try {
      this.record(d);
    } finally {
      if (this.debug) this.popScopes(d.kernel.name);
    }
  }

  private record<F extends UniformFields>(d: Dispatch<F>): void {
    const prepared = this.makePrepared(d);
    this.transient.push(prepared.uniformBuffer);
    this.recordPass([prepared], 1);
  }

  /**
   * Makes a dispatch's uniform buffer and bind group once, for `dispatchPrepared` to record as often as
   * needed. Hand it to `releasePrepared` when done.
   */
  prepare<F extends UniformFields>(d: Dispatch<F>): PreparedDispatch {
    if (this.debug) this.pushScopes();
    try {
      return this.makePrepared(d);
    } finally {
      if (this.debug) this.popScopes(`prepare ${d.kernel.name}`);
    }
  }

  /**
   * Records `sequence` `repeat` times, in order, in one compute pass (each dispatch sees the storage
   * writes of those before it, as across passes); `flush` or a read submits it.
   */
  dispatchPrepared(sequence: readonly PreparedDispatch[], repeat = 1): void {
    if (this.debug) this.pushScopes();
    try {
      this.recordPass(sequence, repeat);
    } finally {
      if (this.debug) this.popScopes(sequence.map((p) => p.name).join(' + '));
    }
  }

  /** Frees prepared dispatches' uniform buffers once the work recorded or submitted with them is done. */
  releasePrepared(...prepared: PreparedDispatch[]): void {
    const buffers = prepared.map((p) => p.uniformBuffer);
    if (this.encoder) this.transient.push(...buffers);
    else void this.device.queue.onSubmittedWorkDone().then(() => buffers.forEach((b) => b.destroy()));
  }

  private makePrepared<F extends UniformFields>(d: Dispatch<F>): PreparedDispatch {
    const pipeline = this.pipeline(d.kernel, d.constants);
    const [x, y = 1, z = 1] = d.workgroups;
    const maxPerDim = this.limits.maxComputeWorkgroupsPerDimension;
    if (x > maxPerDim || y > maxPerDim || z > maxPerDim) {
      throw new GpuError(`${d.kernel.name}: ${x}×${y}×${z} workgroups exceed the device limit ${maxPerDim} per dimension`);
    }
    const uniformBuffer = this.device.createBuffer({
      label: `${d.kernel.name}.params`,
      size: d.kernel.uniforms.byteLength,
      usage: UNIFORM | COPY_DST,
    });
    this.device.queue.writeBuffer(uniformBuffer, 0, d.kernel.uniforms.pack(d.uniforms));
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: uniformBuffer } }];
    d.bindings.forEach((buffer, index) => entries.push({ binding: index + 1, resource: { buffer } }));
    const bindGroup = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    return { name: d.kernel.name, pipeline, bindGroup, workgroups: [x, y, z], uniformBuffer };
  }

  private recordPass(sequence: readonly PreparedDispatch[], repeat: number): void {
    const live = sequence.filter((p) => p.workgroups.every((count) => count > 0));
    if (live.length === 0 || repeat < 1) return;
    this.encoder ??= this.device.createCommandEncoder();
    const pass = this.encoder.beginComputePass({ label: live.map((p) => p.name).join(' + ') });
    for (let i = 0; i < repeat; i++) {
      for (const p of live) {
        pass.setPipeline(p.pipeline);
        pass.setBindGroup(0, p.bindGroup);
        pass.dispatchWorkgroups(...p.workgroups);
        this.pendingKernels.push(p.name);
      }
    }
    pass.end();
  }

  copy(source: GPUBuffer, target: GPUBuffer, byteLength: number, sourceOffset = 0, targetOffset = 0): void {
    this.encoder ??= this.device.createCommandEncoder();
    this.encoder.copyBufferToBuffer(source, sourceOffset, target, targetOffset, byteLength);
  }

  /** Submits everything recorded so far. In debug mode, waits for and reports validation errors. */
  async flush(): Promise<void> {
    const encoder = this.encoder;
    const kernels = this.pendingKernels;
    const transient = this.transient;
    this.encoder = undefined;
    this.pendingKernels = [];
    this.transient = [];
    if (!encoder) return;
    if (this.debug) this.pushScopes();
    this.device.queue.submit([encoder.finish()]);
    for (const buffer of this.releasedWhileRecording) this.pool.release(buffer);
    this.releasedWhileRecording = [];
    if (this.debug) {
      this.popScopes(`submit of [${kernels.join(', ')}]`);
      const checks = this.scopeChecks;
      this.scopeChecks = [];
      const errors = (await Promise.all(checks)).filter((message) => message !== null);
      if (errors.length > 0) throw new GpuError(errors.join('\n'));
    }
    void this.device.queue.onSubmittedWorkDone().then(() => transient.forEach((b) => b.destroy()));
  }

  /** Submits pending work and copies `byteLength` bytes of `buffer` back to the CPU. */
  async read(buffer: GPUBuffer, byteLength = buffer.size, byteOffset = 0): Promise<ArrayBuffer> {
    const staging = this.device.createBuffer({ size: alignTo(byteLength, 4), usage: MAP_READ | COPY_DST });
    this.copy(buffer, staging, alignTo(byteLength, 4), byteOffset);
    await this.flush();
    await staging.mapAsync(MAP_READ);
    const bytes = staging.getMappedRange().slice(0, byteLength);
    staging.unmap();
    staging.destroy();
    return bytes;
  }

  async readF32(buffer: GPUBuffer, length: number, offset = 0): Promise<Float32Array> {
    return new Float32Array(await this.read(buffer, length * 4, offset * 4));
  }

  /** Waits until the GPU has finished everything submitted (benchmarks time with it). */
  async finish(): Promise<void> {
    await this.flush();
    await this.device.queue.onSubmittedWorkDone();
  }

  /** A 16-byte buffer to bind where a kernel's optional input (a bias, say) is absent. */
  get emptyBinding(): GPUBuffer {
    this.placeholder ??= this.device.createBuffer({ label: 'empty-binding', size: 16, usage: STORAGE | COPY_DST });
    return this.placeholder;
  }

  get pooledBytes(): number {
    return this.pool.bytes;
  }

  destroy(): void {
    this.destroyed = true;
    this.pool.clear();
    this.placeholder?.destroy();
    this.device.destroy();
  }

  private pushScopes(): void {
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
  }

  private popScopes(where: string): void {
    const validation = this.device.popErrorScope();
    const memory = this.device.popErrorScope();
    this.scopeChecks.push(
      Promise.all([validation, memory]).then(([v, m]) => {
        const error = v ?? m;
        return error ? `GPU error in ${where}: ${error.message}` : null;
      }),
    );
  }

  private checkSize(byteLength: number, label?: string): void {
    const max = Math.min(this.limits.maxBufferSize, this.limits.maxStorageBufferBindingSize);
    if (byteLength > max) {
      throw new GpuError(
        `${label ?? 'buffer'} needs ${formatBytes(byteLength)}, over this device's limit of ${formatBytes(max)} per buffer`,
      );
    }
  }
}

/**
 * Free buffers by (usage, size): jobs that repeat shapes (one transformer layer after another) reuse
 * them instead of allocating. Sizes are rounded to 256 bytes so near-equal requests share.
 */
class BufferPool {
  private readonly free = new Map<string, GPUBuffer[]>();
  private readonly usageOf = new WeakMap<GPUBuffer, number>();
  bytes = 0;

  acquire(device: GPUDevice, byteLength: number, usage: number, label?: string): GPUBuffer {
    const size = alignTo(Math.max(byteLength, 16), 256);
    const stack = this.free.get(`${usage}:${size}`);
    const reused = stack?.pop();
    if (reused) {
      this.bytes -= size;
      return reused;
    }
    const buffer = device.createBuffer({ label, size, usage });
    this.usageOf.set(buffer, usage);
    return buffer;
  }

  release(buffer: GPUBuffer): void {
    const usage = this.usageOf.get(buffer) ?? buffer.usage;
    const key = `${usage}:${buffer.size}`;
    const stack = this.free.get(key) ?? [];
    stack.push(buffer);
    this.free.set(key, stack);
    this.bytes += buffer.size;
  }

  clear(): void {
    for (const stack of this.free.values()) for (const buffer of stack) buffer.destroy();
    this.free.clear();
    this.bytes = 0;
  }
}

export function alignTo(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}
