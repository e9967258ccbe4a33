import type { Router } from '../router.svelte.ts';
import { AnalysisState } from './analysis.svelte.ts';
import { OptimiserState } from './optimiser.svelte.ts';
import { DEFAULT_DOMAINS, type Metric } from './paint.ts';
import { IrsPlanner } from './planner.svelte.ts';

/**
 * The IRS page's state for the app's life (ModuleStates): the planner with its worker and scenario
 * history, the optimiser's job and result, the analysis plots, and the heatmap's display settings.
 * The scenario is also in the URL hash, so a reload or a shared link reopens it.
 */
export class IrsPageState {
  readonly planner: IrsPlanner;
  readonly optimiser: OptimiserState;
  readonly analysis: AnalysisState;
  metric = $state<Metric>('snr');
  domain = $state<[number, number]>(DEFAULT_DOMAINS.snr);
  showRoutes = $state(true);

  constructor(router: Router, override: string | null) {
    this.planner = new IrsPlanner(router, override);
    this.optimiser = new OptimiserState(this.planner);
    this.analysis = new AnalysisState(this.planner);
    void this.planner.start();
  }

  /** The optimiser or a heatmap is computing (the tab asks before closing while the optimiser runs). */
  get busy(): boolean {
    return this.optimiser.job.running;
  }
}
