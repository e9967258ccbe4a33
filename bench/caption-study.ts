/**
 * `npm run study:caption [-- --seeds 0,1 --runs full,few,few+pseudo,random-edits,no-penalty,no-refiner]`:
 * the few-supervised captioning comparison of docs/captioning.md at the CLI's default scale, one run per
 * (setting or ablation, seed), sequentially on tfjs-wasm; prints each run and a mean ± SD table of
 * BLEU-4, ROUGE-L and CIDEr-D on the test clips. Ablations are of few+pseudo.
 * Each run takes ~1–3 min on a shared 2-core machine. Scale flags (default: the CLI's): --train 300 --test 100
 * --encoder-steps 200 --classifier-steps 300 --captioner-steps 300.
 */
import { formatTable, machineDescription, writeResults, type Row } from './harness/report.ts';
import { CAPTION_DEFAULTS, runCaptionExperiment, type Ablation, type Setting } from '../src/lib/caption/experiment.ts';
import type { Tf } from '../src/lib/caption/tfParts.ts';
import { nodeTf } from '../src/lib/opt/cpu/nodeTf.ts';

function flag(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : fallback;
}
const seeds = flag('seeds', '0,1').split(',').map(Number);
const runs = flag('runs', 'full,few,few+pseudo,random-edits,no-penalty,no-refiner').split(',');
const d = CAPTION_DEFAULTS;
const scaled = {
  ...d,
  world: { ...d.world, train: Number(flag('train', String(d.world.train))), test: Number(flag('test', String(d.world.test))) },
  encoder: { ...d.encoder, steps: Number(flag('encoder-steps', String(d.encoder.steps))) },
  classifier: { ...d.classifier, steps: Number(flag('classifier-steps', String(d.classifier.steps))) },
  captioner: { ...d.captioner, steps: Number(flag('captioner-steps', String(d.captioner.steps))) },
};
const tf = (await nodeTf()) as unknown as Tf;
const perRun: Row[] = [];
const started = performance.now();
for (const run of runs) {
  const setting = (['full', 'few', 'few+pseudo'].includes(run) ? run : 'few+pseudo') as Setting;
  const ablation = (setting === run ? 'none' : run) as Ablation;
  for (const seed of seeds) {
    const result = await runCaptionExperiment(tf, { ...scaled, setting, ablation, seed });
    const row: Row = { run, seed, ...result.metrics, pairs: result.stats.trainPairs, 'repeat rate': result.stats.pseudoRepeatRate ?? null, 'in grammar': result.stats.pseudoInGrammar ?? null, seconds: result.seconds.total };
    perRun.push(row);
    console.log(JSON.stringify(row));
  }
}
const stat = (values: number[]) => {
  const mean = values.reduce((s, x) => s + x, 0) / values.length;
  const sd = values.length > 1 ? Math.sqrt(values.reduce((s, x) => s + (x - mean) ** 2, 0) / (values.length - 1)) : 0;
  return `${mean.toFixed(3)} ± ${sd.toFixed(3)}`;
};
const summary: Row[] = runs.map((run) => {
  const rows = perRun.filter((r) => r.run === run);
  const col = (key: string) => stat(rows.map((r) => r[key] as number));
  return { run, seeds: rows.length, 'BLEU-1': col('bleu1'), 'BLEU-4': col('bleu4'), 'ROUGE-L': col('rougeL'), 'CIDEr-D': col('cider'), 'training pairs': col('pairs') };
});
console.log(formatTable(summary));
console.log(`total ${((performance.now() - started) / 1000).toFixed(0)} s; machine: ${JSON.stringify(machineDescription())}`);
console.log(`results: ${writeResults('caption-study', { perRun, summary, machine: machineDescription() })}`);
