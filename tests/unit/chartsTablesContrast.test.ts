import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { contrastRatio, parseColour, relativeLuminance } from '../../src/lib/util/contrast.ts';
import { fitText, integerTicks, isIntegerAxis, leftMarginFor } from '../../src/views/shared/chart.ts';
import { headerTitle, isNumeric } from '../../src/views/shared/table.ts';

describe('integer axis ticks', () => {
  it('a short integer axis (k = 1…4) gets every whole number and never 1.5', () => {
    expect(integerTicks(1, 4, 5)).toEqual([1, 2, 3, 4]);
    expect(integerTicks(1, 2, 10)).toEqual([1, 2]);
  });
  it('a long one gets a 1-2-5 step, all whole numbers, inside the domain', () => {
    expect(integerTicks(0, 100, 5)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(integerTicks(0, 7, 5)).toEqual([0, 2, 4, 6]);
    const ticks = integerTicks(3, 997, 6);
    expect(ticks.every(Number.isInteger)).toBe(true);
    expect(ticks.length).toBeLessThanOrEqual(7);
    expect(Math.min(...ticks)).toBeGreaterThanOrEqual(3);
    expect(Math.max(...ticks)).toBeLessThanOrEqual(997);
  });
  it('a domain between two integers has the integers inside only, and a reversed domain works', () => {
    expect(integerTicks(0.4, 2.6, 5)).toEqual([1, 2]);
    expect(integerTicks(4, 1, 5)).toEqual([1, 2, 3, 4]);
    expect(integerTicks(1.2, 1.8, 5)).toEqual([]);
  });
  it('refuses a non-finite domain or a count below 1', () => {
    expect(() => integerTicks(0, Infinity, 5)).toThrow(RangeError);
    expect(() => integerTicks(0, 1, 0)).toThrow(RangeError);
  });
  it('an axis is an integer axis only when every value is whole', () => {
    expect(isIntegerAxis([1, 2, 3])).toBe(true);
    expect(isIntegerAxis([1, 2.5])).toBe(false);
    expect(isIntegerAxis([])).toBe(false);
  });
});

describe('chart margins and titles', () => {
  it('the left margin grows with the widest tick label, with room for a y title', () => {
    const narrow = leftMarginFor([10, 12], true);
    const wide = leftMarginFor([10, 60], true);
    expect(wide - narrow).toBe(48);
    // Tick labels end 9 px left of the axis; the rotated title (x ≤ 14 px) stays clear of them.
    expect(wide - 9 - 60).toBeGreaterThanOrEqual(18);
    expect(leftMarginFor([60], false)).toBeLessThan(wide);
  });
  it('a title too long for the plot is shortened with an ellipsis to fit', () => {
    const measure = (s: string) => s.length * 6;
    expect(fitText('loss', 100, measure)).toBe('loss');
    const fitted = fitText('Validation accuracy on the clean images', 120, measure);
    expect(fitted.endsWith('…')).toBe(true);
    expect(measure(fitted)).toBeLessThanOrEqual(120);
    expect(fitText('abc', 1, measure)).toBe('');
  });
});

describe('table cells', () => {
  it('numbers and formatted numbers count as numeric (never wrapped); words do not', () => {
    for (const value of [3.3e-6, '3.3e-6', '27.9 %', '− 1.5', '± 0.12', '1.23 M', '0.94×', '12.0 s', 42]) expect(isNumeric(value)).toBe(true);
    for (const value of ['FASP', 'bs → r1 → u1', 'done', '', undefined]) expect(isNumeric(value)).toBe(false);
  });
  it('a header tooltip says what the column means and which way is better', () => {
    expect(headerTitle({ key: 'ece', label: 'ECE', title: 'calibration error', better: 'lower' })).toBe('calibration error — lower is better');
    expect(headerTitle({ key: 'seed', label: 'seed' })).toBeUndefined();
  });
});

describe('WCAG contrast', () => {
  it('black on white is 21:1, a colour on itself 1:1, and the ratio is symmetric', () => {
    expect(contrastRatio([0, 0, 0], [255, 255, 255])).toBeCloseTo(21, 10);
    expect(contrastRatio([47, 111, 222], [47, 111, 222])).toBe(1);
    expect(contrastRatio(parseColour('#777'), parseColour('#fff'))).toBeCloseTo(contrastRatio(parseColour('#fff'), parseColour('#777')), 12);
  });
  it('matches hand-computed luminances (#777 on white ≈ 4.48, just short of AA)', () => {
    expect(relativeLuminance([255, 255, 255])).toBeCloseTo(1, 12);
    expect(relativeLuminance(parseColour('#808080'))).toBeCloseTo(0.2158605, 6);
    expect(contrastRatio(parseColour('#777777'), parseColour('#ffffff'))).toBeCloseTo(4.478, 2);
  });
  it('reads hex and rgb()/rgba() colours, and refuses others', () => {
    expect(parseColour('#2f6fde')).toEqual([47, 111, 222]);
    expect(parseColour('rgb(1, 2, 3)')).toEqual([1, 2, 3]);
    expect(parseColour('rgba(10, 20, 30, 0.5)')).toEqual([10, 20, 30]);
    expect(parseColour('rgb(10 20 30 / 50%)')).toEqual([10, 20, 30]);
    expect(() => parseColour('papayawhip')).toThrow(RangeError);
  });
  it('primary buttons (--on-accent on --accent) reach 4.5:1 in both themes of theme.css', () => {
    const css = readFileSync(path.resolve(import.meta.dirname, '../../src/views/shared/theme.css'), 'utf8');
    const block = (selector: string) => css.slice(css.indexOf(selector), css.indexOf('}', css.indexOf(selector)));
    const variable = (text: string, name: string) => parseColour(new RegExp(`${name}:\\s*([^;]+);`).exec(text)![1]);
    for (const theme of [block(':root {'), block(":root[data-theme='dark'] {")]) {
      expect(contrastRatio(variable(theme, '--accent'), variable(theme, '--on-accent'))).toBeGreaterThanOrEqual(4.5);
    }
  });
});

describe('known OPT checkpoints', () => {
  it('count the parameters of each hub checkpoint from its config (OPT-125m: 125 239 296 by hand)', async () => {
    const { KNOWN_CHECKPOINTS, formatBytes } = await import('../../src/lib/opt/knownCheckpoints.ts');
    const small = KNOWN_CHECKPOINTS.find((c) => c.repo === 'facebook/opt-125m')!;
    // 12 layers × (4·768² + 2·768·3072 + 4·768 + 3072 + 768 + 4·768) + 50272·768 + 2050·768 + 2·768
    expect(small.parameters).toBe(12 * (4 * 768 ** 2 + 2 * 768 * 3072 + 4 * 768 + 3072 + 768 + 4 * 768) + 50272 * 768 + 2050 * 768 + 2 * 768);
    expect(small.parameters).toBe(125_239_296);
    expect(small.downloadBytes).toBe(2 * small.parameters);
    expect(KNOWN_CHECKPOINTS.map((c) => Math.round(c.parameters / 1e6))).toEqual([125, 331, 1316]);
    expect(formatBytes(small.downloadBytes)).toBe('250 MB');
    expect(formatBytes(5.263e9)).toBe('5.3 GB');
  });
});

describe('study time estimate', () => {
  it('reproduces the timing it was calibrated on (the old default: ~15 min, 156 s of it self-generation)', async () => {
    const { estimateStudySeconds } = await import('../../src/lib/calibration/study/estimate.ts');
    const old = { sources: 4, selfgenSources: 1, seeds: 5, sparsities: 2, methods: 2, nsamples: 32, seqlen: 128, wikitextTestWindows: 16, c4Windows: 8, selfgen: { nPrompts: 64, genLength: 256 } };
    expect(estimateStudySeconds(old)).toBeCloseTo(900, 6);
    // Without the self-generated source, the 156 s of generation and a quarter of the cells go.
    expect(estimateStudySeconds({ ...old, sources: 3, selfgenSources: 0 })).toBeCloseTo((900 - 156) * 0.75, 6);
    expect(() => estimateStudySeconds({ ...old, seeds: -1 })).toThrow(RangeError);
  });
  it('the quick preset is a minute or two, the paper preset the old quarter hour', async () => {
    const { studyFormSeconds, STUDY_QUICK, STUDY_PAPER } = await import('../../src/views/calibration/studyPresets.ts');
    const { SELFGEN_DEFAULTS } = await import('../../src/lib/calibration/settings.ts');
    const quick = studyFormSeconds(STUDY_QUICK, SELFGEN_DEFAULTS);
    expect(quick).toBeGreaterThan(60);
    expect(quick).toBeLessThan(120);
    expect(studyFormSeconds(STUDY_PAPER, SELFGEN_DEFAULTS)).toBeCloseTo(900, 6);
    expect(studyFormSeconds({ ...STUDY_QUICK, sparsities: '0.2, x' }, SELFGEN_DEFAULTS)).toBeNaN();
  });
  it('durations are shown rounded', async () => {
    const { formatDuration } = await import('../../src/views/shared/presets.ts');
    expect(formatDuration(42)).toBe('≈ 40 s');
    expect(formatDuration(100)).toBe('≈ 1.5 min');
    expect(formatDuration(900)).toBe('≈ 15 min');
    expect(formatDuration(7200)).toBe('≈ 2.0 h');
    expect(formatDuration(NaN)).toBe('—');
  });
});
