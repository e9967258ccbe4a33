import { importDataset, parseCaptionsJson, parseFeaturesJson, parseNpyFeatures, type CaptionDataset } from '../lib/caption/dataset.ts';
import { runCaptionExperiment, type CaptionResult } from '../lib/caption/experiment.ts';
import { checkPageConfig, experimentConfig, type CaptionPageConfig } from '../lib/caption/pageSettings.ts';
import type { Tf } from '../lib/caption/tfParts.ts';
import { InputError } from '../lib/errors.ts';
import { exposeWorker, runJob, type JobPort } from './job.ts';
import { startTfBackend, tf } from './tfBackend.ts';

/**
 * The captioning lab's worker: each run of the page's job (a setting or an ablation) trains its
 * video–text model, edit classifier and captioner in tfjs on the backend backend.ts chooses (webgpu on a
 * hardware adapter, wasm otherwise) and scores the test clips. Cancel is checked at every reported step.
 */
export interface ImportFile {
  name: string;
  bytes: ArrayBuffer;
}

export interface ImportSummary {
  videos: number;
  frames: number;
  featureDim: number;
  train: number;
  test: number;
}

function buildImport(files: ImportFile[], seed: number): CaptionDataset {
  const text = (f: ImportFile) => new TextDecoder().decode(f.bytes);
  const npy = files.filter((f) => /\.npy$/i.test(f.name));
  const json = files.filter((f) => /\.json$/i.test(f.name));
  const other = files.find((f) => !/\.(npy|json)$/i.test(f.name));
  if (other) throw new InputError(`${other.name}: expected .json (captions or features) or .npy (features) files`);
  const captionFile = json.find((f) => /"(sentences|caption)"/.test(text(f).slice(0, 100_000)));
  if (!captionFile) throw new InputError('no captions file: drop a JSON in the MSR-VTT layout {"videos": […], "sentences": [{"video_id", "caption"}]}');
  const featureJson = json.filter((f) => f !== captionFile);
  if (featureJson.length === 0 && npy.length === 0) throw new InputError('no features: drop a features JSON {"videoId": [[…], …]} or one .npy per video');
  const table = npy.length > 0 ? parseNpyFeatures(npy) : parseFeaturesJson(text(featureJson[0]), featureJson[0].name);
  return importDataset(parseCaptionsJson(text(captionFile), captionFile.name), table, seed);
}

const api = {
  checkImport(files: ImportFile[]): ImportSummary {
    const data = buildImport(files, 0);
    return { videos: data.clips.size, frames: data.frames, featureDim: data.featureDim, train: data.splits.train.length, test: data.splits.test.length };
  },

  async run(config: CaptionPageConfig, files: ImportFile[] | null, override: string | null, port: JobPort): Promise<{ runs: CaptionResult[]; compute: string }> {
    return runJob(port, async (job) => {
      checkPageConfig(config);
      const info = await startTfBackend(override);
      const dataset = files ? buildImport(files, config.seed) : undefined;
      const runs: CaptionResult[] = [];
      for (const [i, run] of config.runs.entries()) {
        const result = await runCaptionExperiment(tf as unknown as Tf, experimentConfig(config, run), {
          dataset,
          onProgress: (progress) => {
            job.cancel.throwIfCancelled();
            job.progress({ ...progress, phase: `${run} (${i + 1}/${config.runs.length}): ${progress.phase}` });
          },
        });
        runs.push(result);
      }
      return { runs, compute: info.label };
    });
  },
};

export type CaptionApi = typeof api;
exposeWorker(api);
