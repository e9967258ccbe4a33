import { InputError } from '../lib/errors.ts';
import type { NmfSolver } from '../lib/synergy/nmf.ts';
import { nmfCpu, nmfCpuOn } from '../lib/synergy/nmfCpu.ts';
import { nmfPoolSize, type NmfBackendChoice } from '../lib/synergy/nmfPool.ts';
import { nmfKernelModule } from '../lib/synergy/nmfSimd.ts';
import { parseCsv } from '../lib/synergy/parseCsv.ts';
import { parseExp } from '../lib/synergy/parseExp.ts';
import { analyseRecording, type RecordingAnalysis, type RecordingSettings } from '../lib/synergy/recordingAnalysis.ts';
import { simulateStudy, type StudyDesign } from '../lib/synergy/simulate.ts';
import { analyseMaps, runStudy, studyInputFromSimulation, type MapAnalysis, type SessionResult, type StudyResult, type StudySettings } from '../lib/synergy/study.ts';
import type { MapOptions, MapPoint } from '../lib/synergy/topomap.ts';
import { nmfGpu } from '../kernels/synergy/nmf.ts';
import { openBackend } from './backend.ts';
import { startNmfWebPool } from './nmfPool.ts';
import { exposeWorker, runJob, transferResult, type JobPort } from './job.ts';

/** The synergy lab's jobs: the simulated two-condition study, one recording, and map re-computation. */
export type RecordingSource = { kind: 'url'; url: string; name: string } | { kind: 'text'; text: string; name: string };

let lastStudy: { sessions: SessionResult[]; participants: number; points: number; windows: number; muscles: number } | undefined;

/**
 * The NMF solver for a job: WGSL on a GPU; otherwise the CPU path, its restarts spread over a pool of
 * min(2, cores) nested workers (one thread, in this worker, where there is one core or no WebAssembly SIMD).
 */
async function solverFor(override: string | null | undefined): Promise<{ solver: NmfSolver; choice: NmfBackendChoice; close: () => void }> {
  const { choice, gpu } = await openBackend(override);
  if (gpu) return { solver: (data, settings, hooks) => nmfGpu(gpu, data, settings, hooks), choice, close: () => gpu.destroy() };
  const workers = (await nmfKernelModule()) ? nmfPoolSize(navigator.hardwareConcurrency) : 1;
  if (workers < 2) return { solver: nmfCpu, choice: { ...choice, cpuWorkers: 1 }, close: () => {} };
  const pool = startNmfWebPool(workers);
  return { solver: nmfCpuOn(pool.runners), choice: { ...choice, cpuWorkers: workers }, close: () => void pool.close() };
}

const api = {
  async study(design: StudyDesign, settings: StudySettings, positions: MapPoint[] | undefined, override: string | null, port: JobPort): Promise<{ result: StudyResult; backend: NmfBackendChoice }> {
    return runJob(port, async (job) => {
      job.plan([{ label: 'Simulating the study', weight: 0.5 }, { label: 'Envelopes' }, { label: 'NMF', weight: 8 }, { label: 'Statistics' }]);
      job.progress({ phase: 'Simulating the study', done: 0, total: 1 });
      const simulation = simulateStudy(design);
      const { solver, choice, close } = await solverFor(override);
      try {
        const result = await runStudy({ ...studyInputFromSimulation(simulation), positions }, settings, solver, job);
        lastStudy = { sessions: result.sessions, participants: design.participants, points: settings.cyclePoints, windows: settings.mapWindows, muscles: result.muscles.length };
        return { result, backend: choice };
      } finally {
        close();
      }
    });
  },

  /** Maps again with moved muscles or another interpolation, from the last study's envelopes. */
  remap(positions: MapPoint[], map: MapOptions): MapAnalysis {
    if (!lastStudy) throw new InputError('run the study first');
    const { sessions, participants, points, windows, muscles } = lastStudy;
    const pairs = Array.from({ length: participants }, (_, p) => [0, 1].map((c) => sessions.find((s) => s.participant === p && s.condition === c)!) as [SessionResult, SessionResult]);
    return analyseMaps(sessions, pairs, { muscles, points, windows, positions, map });
  },

  async recording(source: RecordingSource, settings: RecordingSettings, override: string | null, port: JobPort): Promise<{ result: RecordingAnalysis; backend: NmfBackendChoice }> {
    return runJob(port, async (job) => {
      job.plan([{ label: 'Reading', weight: 0.5 }, { label: 'NMF', weight: 9 }]);
      job.progress({ phase: 'Reading', done: 0, total: 1, message: source.name });
      const text = source.kind === 'text' ? source.text : await fetchText(source.url, source.name);
      const recording = /\.exp$/i.test(source.name) ? parseExp(text, source.name) : parseCsv(text, source.name);
      const { solver, choice, close } = await solverFor(override);
      try {
        const result = await analyseRecording(recording, { ...settings, raw: /\.exp$/i.test(source.name) || settings.raw }, solver, job);
        return transferResult({ result, backend: choice });
      } finally {
        close();
      }
    });
  },
};

async function fetchText(url: string, name: string): Promise<string> {
  const response = await fetch(url);
  if (!response.ok) throw new InputError(`could not load ${name}`, `${url}: HTTP ${response.status}`);
  return response.text();
}

export type SynergyApi = typeof api;
exposeWorker(api);
