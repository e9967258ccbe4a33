import { SvelteMap } from 'svelte/reactivity';
import type { FacilityChange, PriceBreakdown } from '../../lib/monopoly/index.ts';
import { checkSettings, PAGE_DEFAULTS, paramsFromSettings, settingsFromParams, type MonopolyPageResult, type MonopolySettings } from '../../lib/monopoly/pageJob.ts';
import type { Progress } from '../../lib/progress.ts';
import { isCancelled } from '../../lib/errors.ts';
import { WorkerHandle, type RunningJob } from '../../workers/client.ts';
import type { CitySource, MonopolyApi } from '../../workers/monopoly.worker.ts';
import type { Router } from '../router.svelte.ts';
import { ArchivedRuns } from '../shared/archivedRuns.svelte.ts';

/** A what-if answer: the change, the per-house price difference, its total and how many houses move. */
export interface WhatIfView {
  change: FacilityChange;
  label: string;
  deltaPrice: Float64Array;
  total: number;
  affected: number;
}

/**
 * The facility-pricing page's module store: settings (in the URL), an optional dropped city, the running
 * job, finished runs (IndexedDB), the selected house's breakdown and the last "what if".
 */
export class MonopolyState {
  settings = $state.raw<MonopolySettings>(PAGE_DEFAULTS);
  city = $state.raw<{ houses: string; facilities: string; name: string } | undefined>(undefined);
  progress = $state.raw<Progress | undefined>(undefined);
  error = $state.raw<unknown>(undefined);
  running = $state(false);
  /** Id of the run on screen (also the key of its fit in the worker). */
  shownId = $state<string | undefined>(undefined);
  selected = $state<number | undefined>(undefined);
  breakdown = $state.raw<PriceBreakdown | undefined>(undefined);
  whatIf = $state.raw<WhatIfView | undefined>(undefined);
  /** The next map click places a facility of virtual price `newTheta` (instead of picking a house). */
  placing = $state(false);
  newTheta = $state(0.1);
  readonly runs = new ArchivedRuns<MonopolyPageResult>('monopoly');
  private job: RunningJob<MonopolyPageResult> | undefined;
  private readonly worker = new WorkerHandle<MonopolyApi>(
    () => new Worker(new URL('../../workers/monopoly.worker.ts', import.meta.url), { type: 'module', name: 'monopoly' }),
  );

  constructor(private readonly router: Router) {
    try {
      if (router.params.size > 0) this.settings = settingsFromParams(router.params);
    } catch (error) {
      this.error = error;
    }
  }

  get busy(): boolean {
    return this.running;
  }

  /** The run on screen: the one chosen, else the latest (after a reload: the last saved run). */
  get result(): MonopolyPageResult | undefined {
    return (this.runs.items.find((item) => item.id === this.shownId) ?? this.runs.latest)?.run;
  }

  apply(settings: MonopolySettings): void {
    try {
      this.settings = checkSettings(settings);
      this.router.setParams(paramsFromSettings(this.settings));
    } catch (error) {
      this.error = error;
    }
  }

  async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.error = undefined;
    this.progress = undefined;
    const settings = { ...this.settings };
    const base = new URL('datasets/kc-monopoly/', document.baseURI).href;
    const source: CitySource = this.city
      ? { kind: 'text', ...this.city }
      : { kind: 'url', houses: `${base}houses.csv`, facilities: `${base}facilities.csv`, name: 'King County 2014–15' };
    const runId = crypto.randomUUID();
    const job = this.worker.run((api, port) => api.run(runId, source, settings, port), (progress) => (this.progress = progress));
    this.job = job;
    try {
      const result = await job.result;
      const id = this.runs.add(result);
      this.idMap.set(id, runId);
      this.show(id);
    } catch (error) {
      if (!isCancelled(error)) this.error = error;
    } finally {
      this.running = false;
      this.progress = undefined;
      this.job = undefined;
    }
  }

  /** Archive id → the worker's key for the run's fit (only runs of this session have one). */
  private readonly idMap = new SvelteMap<string, string>();

  private workerId(): string | undefined {
    const id = this.runs.items.some((item) => item.id === this.shownId) ? this.shownId : this.runs.latest?.id;
    return id === undefined ? undefined : this.idMap.get(id);
  }

  canExplore(): boolean {
    return this.workerId() !== undefined;
  }

  show(id: string): void {
    this.shownId = id;
    this.selected = undefined;
    this.breakdown = undefined;
    this.whatIf = undefined;
    this.placing = false;
  }

  forget(id: string): void {
    if (this.shownId === id) this.show('');
    this.runs.remove(id);
  }

  async select(house: number): Promise<void> {
    this.selected = house;
    this.breakdown = undefined;
    const workerId = this.workerId();
    if (!workerId) return;
    try {
      this.breakdown = await this.worker.api.explain(workerId, house);
    } catch (error) {
      this.error = error;
    }
  }

  async ask(change: FacilityChange, label: string): Promise<void> {
    const workerId = this.workerId();
    if (!workerId) return;
    try {
      const answer = await this.worker.api.whatIf(workerId, change);
      this.whatIf = { change, label, ...answer };
    } catch (error) {
      this.error = error;
    }
  }

  cancel(): void {
    this.job?.cancel();
  }
}
