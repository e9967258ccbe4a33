import { isCancelled } from '../../lib/errors.ts';
import type { Progress } from '../../lib/progress.ts';
import { DEFAULT_NMF } from '../../lib/synergy/nmf.ts';
import type { NmfBackendChoice } from '../../lib/synergy/nmfPool.ts';
import { parseMvcValues } from '../../lib/synergy/normalisation.ts';
import type { RecordingAnalysis } from '../../lib/synergy/recordingAnalysis.ts';
import { DEFAULT_DESIGN } from '../../lib/synergy/simulate.ts';
import { DEFAULT_STUDY_SETTINGS, type StudyResult } from '../../lib/synergy/study.ts';
import type { Interpolation, MapPoint } from '../../lib/synergy/topomap.ts';
import { nmfFits, settingsFromParams, SHIPPED_TRIALS, type SynergySettings } from '../../lib/synergy/pageSettings.ts';
import { WorkerHandle, type JobStarter, type RunningJob } from '../../workers/client.ts';
import type { RecordingSource, SynergyApi } from '../../workers/synergy.worker.ts';
import type { Router } from '../router.svelte.ts';
import { ArchivedRuns } from '../shared/archivedRuns.svelte.ts';

/** A finished analysis as saved in IndexedDB (the backend says where its NMF ran, and on how many CPU workers). */
export type SavedSynergy = ({ kind: 'study'; study: StudyResult } | { kind: 'recording'; recording: RecordingAnalysis; name: string }) & { backend: NmfBackendChoice };

/** Settings a link can share (the URL hash), with their defaults. */
export const DEFAULTS: SynergySettings = {
  tab: 'study',
  seed: DEFAULT_DESIGN.seed,
  participants: DEFAULT_DESIGN.participants,
  gain: DEFAULT_DESIGN.synergy1Gain,
  kmax: DEFAULT_STUDY_SETTINGS.nmf.kMax,
  restarts: DEFAULT_STUDY_SETTINGS.nmf.restarts,
  threshold: DEFAULT_STUDY_SETTINGS.vafThreshold,
  lowpass: DEFAULT_STUDY_SETTINGS.envelope.lowPassHz,
  duration: DEFAULT_STUDY_SETTINGS.durationThreshold,
  map: 'idw' as Interpolation,
  trial: 'abd01.exp',
  normalise: 'peak',
};
export type Settings = SynergySettings;
export { SHIPPED_TRIALS };

/**
 * The synergy page's state: settings (in the URL), the running job, the study and recording results.
 * One instance lives for the app (ModuleStates); finished analyses are saved in IndexedDB and the latest
 * of each kind comes back after a reload.
 */
export class SynergyPageState {
  settings = $state<Settings>({ ...DEFAULTS });
  progress = $state.raw<Progress | undefined>();
  error = $state.raw<unknown>();
  running = $state(false);
  study = $state.raw<StudyResult | undefined>();
  recording = $state.raw<RecordingAnalysis | undefined>();
  backend = $state.raw<NmfBackendChoice | undefined>();
  /** A file the user dropped replaces the shipped trial until cleared. */
  droppedFile = $state.raw<{ name: string; text: string; raw: boolean } | undefined>();
  /** MVC values per muscle, read from a file the user chose, for normalise = 'mvc'. */
  mvcValues = $state.raw<{ values: Record<string, number>; fileName: string } | undefined>();
  readonly archive = new ArchivedRuns<SavedSynergy>('synergy');
  /** Saved ids of the study and the recording on screen. */
  shown = $state<{ study?: string; recording?: string }>({});
  /** Resolves once saved results are on screen (the page runs the default job only when there are none). */
  readonly restored: Promise<void>;
  cancelling = $state(false);
  private job: RunningJob<unknown> | undefined;
  /** Settings in the link that were out of range (kept at their defaults), one line each. */
  linkProblems = $state.raw<string[]>([]);
  /** Settings came from a link and nothing has run yet. */
  private fromLink = $state(false);
  private readonly worker = new WorkerHandle<SynergyApi>(
    () => new Worker(new URL('../../workers/synergy.worker.ts', import.meta.url), { type: 'module', name: 'synergy' }),
  );

  constructor(private readonly router: Router, private readonly override: string | null) {
    const { settings, problems, fromLink } = settingsFromParams(router.params, DEFAULTS);
    this.settings = settings;
    this.linkProblems = problems;
    this.fromLink = fromLink;
    this.restored = this.archive.ready.then(() => {
      const items = this.archive.items;
      const study = items.findLast((item) => item.run.kind === 'study');
      const recording = items.findLast((item) => item.run.kind === 'recording');
      if (study && !this.study) this.show(study.id);
      if (recording && !this.recording) this.show(recording.id);
    });
  }

  /** A job runs in the worker (the tab asks before closing). */
  get busy(): boolean {
    return this.running;
  }

  show(id: string): void {
    const saved = this.archive.items.find((item) => item.id === id)?.run;
    if (!saved) return;
    this.backend = saved.backend;
    if (saved.kind === 'study') {
      this.study = saved.study;
      this.shown = { ...this.shown, study: id };
    } else {
      this.recording = saved.recording;
      this.shown = { ...this.shown, recording: id };
    }
  }

  /** A saved result was deleted (no id: all were): stop showing it. */
  forget(id?: string): void {
    if (id === undefined || this.shown.study === id) {
      this.study = undefined;
      this.shown = { ...this.shown, study: undefined };
    }
    if (id === undefined || this.shown.recording === id) {
      this.recording = undefined;
      this.shown = { ...this.shown, recording: undefined };
    }
  }

  /** A link's job that costs more than the default one: it waits for the user's Run. */
  get pendingCost(): { fits: number; defaultFits: number } | undefined {
    if (!this.fromLink) return undefined;
    const fits = nmfFits(this.settings);
    const defaultFits = nmfFits({ ...DEFAULTS, tab: this.settings.tab });
    return fits > defaultFits ? { fits, defaultFits } : undefined;
  }

  /** The first run when the page opens: the default job, or a link's job when it costs no more. */
  get autoRun(): boolean {
    return this.pendingCost === undefined;
  }

  /** Keeps the shareable settings in the URL. */
  saveToUrl(): void {
    const changed = Object.fromEntries(Object.entries(this.settings).filter(([key, value]) => DEFAULTS[key as keyof Settings] !== value));
    this.router.setParams(changed as Record<string, string | number>);
  }

  async runStudy(): Promise<void> {
    const s = this.settings;
    const design = { ...DEFAULT_DESIGN, seed: s.seed, participants: s.participants, synergy1Gain: s.gain };
    const settings = {
      ...DEFAULT_STUDY_SETTINGS,
      envelope: { ...DEFAULT_STUDY_SETTINGS.envelope, lowPassHz: s.lowpass },
      nmf: { ...DEFAULT_STUDY_SETTINGS.nmf, kMax: s.kmax, restarts: s.restarts },
      vafThreshold: s.threshold,
      durationThreshold: s.duration,
      map: { method: s.map },
    };
    const outcome = await this.start((api, port) => api.study(design, settings, undefined, this.override, port));
    if (outcome) {
      this.study = outcome.result;
      this.backend = outcome.backend;
      this.shown = { ...this.shown, study: this.archive.add({ kind: 'study', study: outcome.result, backend: outcome.backend }) };
    }
  }

  async runRecording(): Promise<void> {
    const s = this.settings;
    const dropped = this.droppedFile;
    const source: RecordingSource = dropped
      ? { kind: 'text', text: dropped.text, name: dropped.name }
      : { kind: 'url', url: new URL(`datasets/shoulder-emg-seth2019/${s.trial}`, document.baseURI).href, name: s.trial };
    const settings = {
      raw: dropped?.raw ?? true,
      lowPassHz: s.lowpass,
      nmf: { ...DEFAULT_NMF, kMax: Math.min(8, s.kmax + 3), restarts: s.restarts },
      vafThreshold: s.threshold,
      normalise: s.normalise,
      mvcValues: s.normalise === 'mvc' ? this.mvcValues : undefined,
    };
    const outcome = await this.start((api, port) => api.recording(source, settings, this.override, port));
    if (outcome) {
      this.recording = outcome.result;
      this.backend = outcome.backend;
      this.shown = { ...this.shown, recording: this.archive.add({ kind: 'recording', recording: outcome.result, name: source.name, backend: outcome.backend }) };
    }
  }

  /** Reads a file of MVC values (JSON or CSV); a bad file shows in the error banner. */
  async loadMvcValues(file: File): Promise<void> {
    try {
      this.mvcValues = { values: parseMvcValues(await file.text(), file.name), fileName: file.name };
      this.error = undefined;
    } catch (error) {
      this.error = error;
    }
  }

  /** Moves a muscle on the map and recomputes the map statistics (in the worker). */
  async moveMuscle(index: number, to: MapPoint): Promise<void> {
    const study = this.study;
    if (!study) return;
    const positions = study.positions.map((p, i) => (i === index ? to : p));
    this.study = { ...study, positions };
    try {
      const maps = await this.worker.api.remap(positions, { method: this.settings.map });
      if (this.study?.positions === positions) this.study = { ...this.study, maps };
    } catch (error) {
      this.error = error;
    }
  }

  cancel(): void {
    if (!this.job) return;
    this.cancelling = true;
    this.job.cancel();
  }

  private async start<R>(body: JobStarter<SynergyApi, R>): Promise<R | undefined> {
    this.fromLink = false;
    this.saveToUrl();
    this.error = undefined;
    this.running = true;
    const job = this.worker.run(body, (progress) => (this.progress = progress));
    this.job = job;
    try {
      return await job.result;
    } catch (error) {
      if (!isCancelled(error)) this.error = error;
      return undefined;
    } finally {
      this.running = false;
      this.cancelling = false;
      this.progress = undefined;
      this.job = undefined;
    }
  }

  destroy(): void {
    this.worker.terminate();
  }
}
