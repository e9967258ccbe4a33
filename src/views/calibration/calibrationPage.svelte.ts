import * as Comlink from 'comlink';
import { SELFGEN_DEFAULTS, type CalibrationRequest, type CalibrationSource, type SelfGenSettings } from '../../lib/calibration/settings.ts';
import { copyForm, STUDY_QUICK } from './studyPresets.ts';
import { aggregateStudy, MIN_STUDY_SEEDS, studyCellsCsv, studySource, type StudyCellResult, type StudyMethod, type StudyRow } from '../../lib/calibration/study/index.ts';
import { InputError } from '../../lib/errors.ts';
import type { Progress } from '../../lib/progress.ts';
import type { CalibrationSetView, ModelInfo, StudyReport } from '../../workers/calibrationApi.ts';
import type { CalibrationWorkerApi } from '../../workers/calibration.worker.ts';
import { WorkerHandle, type JobStarter, type RunningJob } from '../../workers/client.ts';
import { ArchivedRuns } from '../shared/archivedRuns.svelte.ts';
import { downloadBlob } from '../shared/files.ts';

/**
 * State of the calibration page: the embedded model in a worker, the set builder (any source, its
 * samples and their perplexities), and the study (grid, live results, table, chart, downloads).
 * One instance lives for the app (ModuleStates); finished studies are saved in IndexedDB.
 */
export type SourceChoice = 'wikitext2' | 'c4' | 'text' | 'random' | 'selfgen';
export const SOURCE_CHOICES: { value: SourceChoice; label: string }[] = [
  { value: 'wikitext2', label: 'WikiText-2 valid' },
  { value: 'c4', label: 'C4 sample' },
  { value: 'text', label: 'Your text file' },
  { value: 'random', label: 'Random token ids' },
  { value: 'selfgen', label: 'Self-generated' },
];

export interface StudyForm {
  sources: SourceChoice[];
  seeds: number;
  sparsities: string;
  methods: StudyMethod[];
  nsamples: number;
  seqlen: number;
  wikitextTestWindows: number;
  c4Windows: number;
}

export class CalibrationPageState {
  model = $state.raw<ModelInfo | undefined>(undefined);
  running = $state<'load' | 'set' | 'study' | undefined>(undefined);
  progress = $state.raw<Progress | undefined>(undefined);
  error = $state.raw<unknown>(undefined);
  /** A cancel was asked for and the job has not stopped yet. */
  cancelling = $state(false);

  source = $state<SourceChoice>('selfgen');
  request = $state({ nsamples: 32, seqlen: 128, seed: 0 });
  selfgen = $state<SelfGenSettings>({ ...SELFGEN_DEFAULTS, sampling: { ...SELFGEN_DEFAULTS.sampling } });
  textFile = $state.raw<{ name: string; text: string } | undefined>(undefined);
  set = $state.raw<CalibrationSetView | undefined>(undefined);

  // The quick preset by default (≈ 1.5 min); the paper protocol is a preset (≈ 15 min). See studyPresets.ts.
  study = $state<StudyForm>(copyForm(STUDY_QUICK));
  results = $state.raw<StudyCellResult[]>([]);
  report = $state.raw<StudyReport | undefined>(undefined);
  readonly rows: StudyRow[] = $derived(aggregateStudy(this.results));
  /** Finished studies (their reports), kept across reloads; `shownStudy` is the one on screen. */
  readonly studies = new ArchivedRuns<StudyReport>('calibration');
  shownStudy = $state<string | undefined>(undefined);

  private job: RunningJob<unknown> | undefined;
  private readonly worker = new WorkerHandle<CalibrationWorkerApi>(
    () => new Worker(new URL('../../workers/calibration.worker.ts', import.meta.url), { type: 'module', name: 'calibration' }),
  );

  private readonly urls = { modelUrl: new URL('datasets/models/mini-opt/', document.baseURI).href, datasetsUrl: new URL('datasets/', document.baseURI).href };

  constructor() {
    void this.start('load', (api, port) => api.loadModel(this.urls, port), (model) => (this.model = model as ModelInfo));
    // After a reload, show the latest saved study until a new one runs.
    void this.studies.ready.then(() => {
      const latest = this.studies.latest;
      if (latest && this.results.length === 0 && this.running !== 'study') this.showStudy(latest.id);
    });
  }

  /** A job runs in the worker (the tab asks before closing). */
  get busy(): boolean {
    return this.running !== undefined;
  }

  showStudy(id: string): void {
    const saved = this.studies.items.find((item) => item.id === id);
    if (!saved || this.running === 'study') return;
    this.shownStudy = id;
    this.report = saved.run;
    this.results = saved.run.results;
  }

  /** A saved study was deleted (no id: all were): stop showing it. */
  forgetStudy(id?: string): void {
    if (this.shownStudy !== undefined && (id === undefined || this.shownStudy === id)) {
      this.shownStudy = undefined;
      this.report = undefined;
      this.results = [];
    }
  }

  calibrationSource(choice: SourceChoice): CalibrationSource {
    switch (choice) {
      case 'wikitext2':
      case 'c4':
      case 'random':
        return { kind: choice };
      case 'text':
        if (!this.textFile) throw new InputError('Drop a text file first', 'any plain UTF-8 text; its lines are the paragraphs');
        return { kind: 'text', ...this.textFile };
      case 'selfgen':
        return { kind: 'selfgen', pool: { kind: 'wikitext2' }, settings: $state.snapshot(this.selfgen) };
    }
  }

  async useFile(file: File): Promise<void> {
    this.textFile = { name: file.name, text: await file.text() };
    this.source = 'text';
  }

  buildSet(): void {
    let request: CalibrationRequest;
    try {
      request = { source: this.calibrationSource(this.source), ...$state.snapshot(this.request) };
    } catch (error) {
      this.error = error;
      return;
    }
    this.set = undefined;
    void this.start('set', (api, port) => api.buildSet(this.urls, request, port), (set) => (this.set = set as CalibrationSetView));
  }

  runStudy(minSeeds = MIN_STUDY_SEEDS): void {
    const form = $state.snapshot(this.study);
    let spec;
    try {
      const sparsities = form.sparsities.split(',').map((s) => Number(s.trim()));
      if (sparsities.some((s) => !Number.isFinite(s))) throw new InputError(`Sparsities "${form.sparsities}": expected numbers separated by commas`, 'e.g. 0.2, 0.4');
      spec = {
        sources: form.sources.map((choice) => studySource(this.calibrationSource(choice))),
        seeds: Array.from({ length: form.seeds }, (_, i) => i),
        sparsities,
        methods: form.methods,
        nsamples: form.nsamples,
        seqlen: form.seqlen,
      };
    } catch (error) {
      this.error = error;
      return;
    }
    this.results = [];
    this.report = undefined;
    this.shownStudy = undefined;
    const budget = { wikitextTestWindows: form.wikitextTestWindows, c4Windows: form.c4Windows };
    const onResult = Comlink.proxy((result: StudyCellResult) => (this.results = [...this.results, result]));
    void this.start('study', (api, port) => api.runStudy(this.urls, { spec, budget, minSeeds }, port, onResult), (report) => {
      this.report = report as StudyReport;
      this.shownStudy = this.studies.add(this.report);
    });
  }

  cancel(): void {
    if (!this.job) return;
    this.cancelling = true;
    this.job.cancel(5000);
  }

  downloadCells(): void {
    downloadBlob(studyCellsCsv(this.results), 'calibration-study-cells.csv', 'text/csv');
  }

  private async start(kind: 'load' | 'set' | 'study', call: JobStarter<CalibrationWorkerApi, unknown>, done: (value: unknown) => void): Promise<void> {
    if (this.running) return;
    this.running = kind;
    this.error = undefined;
    this.progress = undefined;
    const job = this.worker.run(call, (progress) => (this.progress = progress));
    this.job = job;
    try {
      done(await job.result);
    } catch (error) {
      this.error = error;
    } finally {
      this.running = undefined;
      this.cancelling = false;
      this.progress = undefined;
      this.job = undefined;
    }
  }
}
