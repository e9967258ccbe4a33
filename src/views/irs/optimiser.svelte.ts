import type { IrsSpec } from '../../lib/irs/scenario.ts';
import type { IrsTemplate, Objective, OptimiserResult } from '../../lib/irs/optimiser.ts';
import type { OptimiseRequest, OptimiseResult } from '../../workers/irs.worker.ts';
import { JobState } from '../shared/jobState.svelte.ts';
import { freshId, round } from './objects.ts';
import type { IrsPlanner } from './planner.svelte.ts';

/** The placement optimiser's settings, its running job and its result. */
export class OptimiserState {
  count = $state(2);
  objective = $state<Objective>('coverage');
  siteSource = $state<OptimiseRequest['siteSource']>('walls');
  wallSpacingM = $state(20);
  gridLongSide = $state(48);
  compare = $state<OptimiseRequest['compare']>('both');
  passive = $state<IrsTemplate>({ elements: 600, type: 'passive' });
  active = $state<IrsTemplate>({ elements: 450, type: 'active', ampPowerDbm: 4, ampNoiseDbm: -80 });
  /** Clicks on the map add candidate sites while this is on. */
  placing = $state(false);
  readonly job = new JobState<OptimiseResult>();

  constructor(private readonly planner: IrsPlanner) {}

  async run(): Promise<void> {
    const scenario = this.planner.scenario;
    if (!scenario || this.job.running) return;
    const request: OptimiseRequest = {
      scenario,
      count: this.count,
      objective: this.objective,
      siteSource: this.siteSource,
      wallSpacingM: this.wallSpacingM,
      gridLongSide: this.gridLongSide,
      passive: $state.snapshot(this.passive),
      active: $state.snapshot(this.active),
      compare: this.compare,
    };
    await this.job.run((onProgress) => this.planner.worker.run<OptimiseResult>((api, port) => api.optimise(request, port), onProgress));
  }

  /**
   * Puts an optimised set on the map: next to the IRSs already placed ('add', fresh ids after theirs) or
   * instead of them ('replace', r1 …). One undo step either way.
   */
  apply(result: OptimiserResult, mode: 'add' | 'replace'): void {
    const scenario = this.planner.scenario;
    if (!scenario) return;
    let next = mode === 'add' ? scenario : { ...scenario, irs: [] };
    for (const r of result.irs) {
      const irs: IrsSpec = { ...r, id: freshId(next, 'r') };
      next = { ...next, irs: [...next.irs, irs] };
    }
    this.planner.edit(next);
  }

  addCandidate(x: number, y: number): void {
    const scenario = this.planner.scenario;
    if (scenario) this.planner.edit({ ...scenario, candidates: [...(scenario.candidates ?? []), { x: round(x), y: round(y) }] });
  }

  clearCandidates(): void {
    const scenario = this.planner.scenario;
    if (scenario) this.planner.edit({ ...scenario, candidates: [] });
  }
}
