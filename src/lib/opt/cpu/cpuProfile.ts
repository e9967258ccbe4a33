/**
 * Where a CPU forward pass spends its time, by phase: what `bench:opt` sets on a CpuOptRuntime
 * (`runtime.profile = new CpuProfile()`) to split one forward into its matrix products and the glue
 * around them. Each phase is wall time around the runtime's own calls, so the tfjs uploads and readbacks
 * of a linear layer count in that layer's phase. Unset (the default), the runtime times nothing.
 */
export const CPU_PHASES = [
  'embed',
  'layer norm',
  'q/k/v',
  'attention: head split/merge',
  'attention: products + softmax',
  'out_proj',
  'fc1',
  'fc2',
  'residual adds',
  'LM head',
] as const;

export type CpuPhase = (typeof CPU_PHASES)[number];

export class CpuProfile {
  /** Milliseconds per phase, summed over every call since the last reset. */
  readonly ms = new Map<CpuPhase, number>();

  time<T>(phase: CpuPhase, work: () => T): T {
    const t0 = performance.now();
    try {
      return work();
    } finally {
      this.ms.set(phase, (this.ms.get(phase) ?? 0) + performance.now() - t0);
    }
  }

  reset(): void {
    this.ms.clear();
  }
}
