import type { IrsSpec } from '../../lib/irs/scenario.ts';
import type { IrsTemplate, Objective, OptimiserResult } from '../../lib/irs/optimiser.ts';
import type { Progress } from '../../lib/progress.ts';
import type { RunningJob } from '../../workers/client.ts';
import type { OptimiseRequest, OptimiseResult } from '../../workers/irs.worker.ts';
import { round } from './objects.ts';
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
  running = $state(false);
  progress = $state.raw<Progress | undefined>(undefined);
  error = $state.raw<unknown>(undefined);
  result = $state.raw<OptimiseResult | undefined>(undefined);
  private job: RunningJob<OptimiseResult> | undefined;

  constructor(private readonly planner: IrsPlanner) {}

  async run(): Promise<void> {
    const scenario = this.planner.scenario;
    if (!scenario || this.running) return;
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
    this.running = true;
    this.error = undefined;
    this.result = undefined;
    this.job = this.planner.worker.run<OptimiseResult>((api, port) => api.optimise(request, port), (progress) => (this.progress = progress));
    try {
      this.result = await this.job.result;
    } catch (error) {
      this.error = error;
    } finally {
      this.running = false;
      this.progress = undefined;
      this.job = undefined;
    }
  }

  cancel(): void {
    this.job?.cancel();
  }

  /** Replaces the scenario's IRSs with an optimised set (fresh ids, r1 …). */
  apply(result: OptimiserResult): void {
    const scenario = this.planner.scenario;
    if (!scenario) return;
    const irs: IrsSpec[] = result.irs.map((r, i) => ({ ...r, id: `r${i + 1}` }));
    this.planner.edit({ ...scenario, irs });
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
