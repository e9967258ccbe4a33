import { dump } from 'npyjs';
import { describe, expect, it } from 'vitest';
import { importDataset, parseCaptionsJson, parseFeaturesJson, parseNpyFeatures, worldDataset } from '../../src/lib/caption/dataset.ts';
import { allCaptions, captionsFor, keywordsOf } from '../../src/lib/caption/grammar.ts';
import { BACKGROUND, COLOURS, makeClipSpecs, renderClip, type Colour } from '../../src/lib/caption/world.ts';

/** What the frames show, measured from pixels only: per frame, the shape's pixels, centroid and colour. */
function measure(rgba: Uint8ClampedArray, frames: number, size: number) {
  return Array.from({ length: frames }, (_, t) => {
    let n = 0, sx = 0, sy = 0, minX = size, maxX = -1, minY = size, maxY = -1;
    let colour: Colour | undefined;
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        const i = ((t * size + y) * size + x) * 4;
        if (rgba[i] === BACKGROUND[0] && rgba[i + 1] === BACKGROUND[1] && rgba[i + 2] === BACKGROUND[2]) continue;
        n++; sx += x; sy += y;
        minX = Math.min(minX, x); maxX = Math.max(maxX, x); minY = Math.min(minY, y); maxY = Math.max(maxY, y);
        colour = (Object.keys(COLOURS) as Colour[]).find((c) => COLOURS[c][0] === rgba[i] && COLOURS[c][1] === rgba[i + 1] && COLOURS[c][2] === rgba[i + 2]);
      }
    const box = (maxX - minX + 1) * (maxY - minY + 1);
    return { area: n, x: sx / Math.max(n, 1), y: sy / Math.max(n, 1), colour, fill: n / Math.max(box, 1), touchesEdge: minX === 0 || maxX === size - 1 };
  });
}

/** Checks one caption against the measurements; returns the claims it could not confirm. */
function falseClaims(caption: string, m: ReturnType<typeof measure>, size: number): string[] {
  const words = caption.split(' ');
  const has = (...w: string[]) => w.some((x) => words.includes(x));
  const bad: string[] = [];
  const seen = m.filter((f) => f.area > 0);
  const first = seen[0], last = seen[seen.length - 1];
  const subjectColour = words.find((w) => w in COLOURS) as Colour;
  if (first.colour !== subjectColour) bad.push(`colour ${subjectColour}`);
  const shapeByFill = first.fill > 0.9 ? 'square' : first.fill > 0.65 ? 'circle' : 'triangle';
  const noun = has('circle', 'ball', 'disc') ? 'circle' : has('square', 'box', 'block') ? 'square' : 'triangle';
  if (first.area > 30 && noun !== shapeByFill) bad.push(`shape ${noun} (fill ${first.fill.toFixed(2)})`);
  const dx = last.x - first.x, dy = last.y - first.y;
  const moved = (dir: string) => ({ left: dx < -size / 8, right: dx > size / 8, up: dy < -size / 8, down: dy > size / 8 })[dir];
  const bouncing = has('bounces', 'rebounds') || caption.includes('comes back');
  for (const dir of ['left', 'right', 'up', 'down'] as const) {
    if ((has(dir, `${dir}wards`) || (dir === 'up' && caption.includes('towards the top')) || (dir === 'down' && caption.includes('towards the bottom'))) && !(m[m.length - 1].area === 0 || moved(dir))) bad.push(`direction ${dir}`);
    if (has(dir, `${dir}wards`) && m[m.length - 1].area === 0 && has('exits', 'out')) {
      const lastSeen = last; const start = first;
      const ok = { left: lastSeen.x < start.x, right: lastSeen.x > start.x, up: lastSeen.y < start.y, down: lastSeen.y > start.y }[dir];
      if (!ok) bad.push(`leaves ${dir}`);
    }
  }
  if (has('grows', 'bigger', 'expands', 'growing', 'larger') && !(last.area > first.area * 2)) bad.push('grows');
  if (has('shrinks', 'smaller', 'shrinking') && !(last.area * 2 < first.area)) bad.push('shrinks');
  if (has('small', 'little', 'tiny') && !(first.area < 0.1 * size * size)) bad.push('small');
  if (has('big', 'large') && !has('bigger', 'larger') && !(first.area > 0.05 * size * size)) bad.push('big');
  const nounAt = words.findIndex((w) => ['circle', 'ball', 'disc', 'square', 'box', 'block', 'triangle'].includes(w));
  const turned = words.slice(nounAt + 1).filter((w) => w in COLOURS).pop();
  if (turned && last.colour !== turned) bad.push(`turns ${turned}`);
  if (has('appears', 'visible') || caption.includes('into view')) if (!(m[0].area === 0 && m[m.length - 1].area > 0)) bad.push('appears');
  if (has('leaves', 'exits') || caption.includes('out of view')) if (!(m[0].area > 0 && m[m.length - 1].area === 0)) bad.push('leaves');
  if (bouncing) {
    const xs = m.map((f) => f.x);
    const interior = (i: number) => i > 0 && i < xs.length - 1;
    const turns = interior(xs.indexOf(Math.max(...xs))) || interior(xs.indexOf(Math.min(...xs)));
    if (!(turns && m.some((f) => f.touchesEdge))) bad.push('bounces');
  }
  return bad;
}

describe('the procedural world and its grammar', () => {
  it('every caption of 150 seeded clips is true of the pixels drawn', () => {
    const frames = 16, size = 64;
    const specs = makeClipSpecs({ clips: 150, frames, seed: 5 });
    for (const spec of specs) {
      const m = measure(renderClip(spec, frames, size), frames, size);
      for (const caption of captionsFor(spec, 10, 1)) expect({ caption, event: spec.event, bad: falseClaims(caption, m, size) }).toEqual({ caption, event: spec.event, bad: [] });
    }
  });

  it('gives 10 different captions per clip, with synonyms and optional details, the same for the same seed', () => {
    const [spec] = makeClipSpecs({ clips: 1, frames: 16, seed: 1 });
    const captions = captionsFor(spec, 10, 3);
    expect(new Set(captions).size).toBe(10);
    expect(captionsFor(spec, 10, 3)).toEqual(captions);
    const every = new Set(allCaptions(spec));
    for (const c of captionsFor(spec, 40, 9)) expect(every.has(c)).toBe(true);
    expect(keywordsOf('in the video a small red ball slides to the left')).toEqual(['small', 'red', 'ball', 'slides', 'left']);
  });

  it('draws the same pixels for the same seed and splits the data set as asked', () => {
    const options = { train: 6, val: 2, test: 3, frames: 8, size: 32, grid: 8, captionsPerClip: 10, seed: 2 };
    const a = worldDataset(options);
    const b = worldDataset(options);
    expect(a.splits.train).toHaveLength(6);
    expect(a.splits.test).toHaveLength(3);
    expect(a.clips.get('test-1')!.features).toEqual(b.clips.get('test-1')!.features);
    expect(a.clips.get('train-0')!.features).toHaveLength(8 * 8 * 8 * 3);
  });
});

describe('importing features and MSR-VTT captions', () => {
  const captionsFile = JSON.stringify({
    videos: [{ video_id: 'v1', split: 'train' }, { video_id: 'v2', split: 'train' }, { video_id: 'v3', split: 'test' }],
    sentences: [{ video_id: 'v1', caption: 'A man is Singing.' }, { video_id: 'v2', caption: 'a dog runs' }, { video_id: 'v3', caption: 'a cat sleeps' }, { video_id: 'v1', caption: 'someone sings' }],
  });

  it('joins JSON features with the captions and keeps the file\'s splits', () => {
    const features = JSON.stringify({ v1: [[1, 2], [3, 4]], v2: [[0, 1], [1, 0]], v3: [5, 6] });
    const data = importDataset(parseCaptionsJson(captionsFile, 'captions.json'), parseFeaturesJson(features, 'feats.json'));
    expect(data.clips.get('v1')!.captions).toEqual(['a man is singing', 'someone sings']);
    expect(data.splits.test).toEqual(['v3']);
    expect(data.frames).toBe(2);
    expect(data.clips.get('v3')!.features).toEqual(new Float32Array([5, 6, 5, 6])); // one frame, resampled to two
  });

  it('reads one .npy per video', () => {
    const npy = (values: number[], shape: number[]) => dump(new Float32Array(values), shape);
    const table = parseNpyFeatures([{ name: 'v1.npy', bytes: npy([1, 2, 3, 4], [2, 2]) }, { name: 'dir/v2.npy', bytes: npy([5, 6, 7, 8], [2, 2]) }]);
    expect([...table.features.keys()]).toEqual(['v1', 'v2']);
    expect(table.featureDim).toBe(2);
  });

  it('names the file, the video and what was expected in bad input', () => {
    expect(() => parseCaptionsJson('{"videos": []}', 'c.json')).toThrow(/c.json: expected the MSR-VTT layout/);
    expect(() => parseCaptionsJson('{"sentences": [{"video_id": "v1"}]}', 'c.json')).toThrow(/sentences\[0\] \(video "v1"\) has no "caption"/);
    expect(() => parseCaptionsJson('{"videos": [{"video_id": "v1", "split": "dev"}], "sentences": [{"video_id": "v1", "caption": "x"}]}', 'c.json')).toThrow(/split "dev"/);
    expect(() => parseCaptionsJson('not json', 'c.json')).toThrow(/c.json is not valid JSON/);
    expect(() => parseFeaturesJson('{"v1": [[1, 2], [3]]}', 'f.json')).toThrow(/video "v1" frame 1 has 1 values; expected 2/);
    expect(() => parseFeaturesJson('{"v1": [[1, 2]], "v2": [[1, 2, 3]]}', 'f.json')).toThrow(/video "v2" has 3-dimensional features; the others have 2/);
    expect(() => parseFeaturesJson('{"v1": [[1, null]]}', 'f.json')).toThrow(/not a finite number/);
    expect(() => parseNpyFeatures([{ name: 'bad.npy', bytes: new Uint8Array([1, 2, 3]).buffer }])).toThrow(/bad.npy is not a readable .npy file/);
    expect(() => importDataset(parseCaptionsJson(captionsFile, 'c.json'), parseFeaturesJson('{"v1": [1]}', 'f.json'))).toThrow(/only 1 videos have both features and captions/);
  });
});
