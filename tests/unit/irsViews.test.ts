import { describe, expect, it } from 'vitest';
import { parseScenario, validateScenario } from '../../src/lib/irs/scenario.ts';
import { History } from '../../src/views/irs/history.ts';
import { addObject, findObject, freshId, moveObject, removeObject, updateObject } from '../../src/views/irs/objects.ts';
import { metricValue } from '../../src/views/irs/paint.ts';
import { formatLength, scaleBarLength } from '../../src/views/irs/scaleBar.ts';
import { decodeScenario, encodeScenario } from '../../src/lib/irs/scenarioLink.ts';
import { ISSUE_EXAMPLE } from './irsFixtures.ts';

const example = parseScenario(ISSUE_EXAMPLE);

describe('undo history', () => {
  it('undoes and redoes single edits', () => {
    const history = new History('a');
    history.push('b');
    history.push('c');
    expect(history.undo()).toBe('b');
    expect(history.undo()).toBe('a');
    expect(history.canUndo).toBe(false);
    expect(history.undo()).toBe('a');
    expect(history.redo()).toBe('b');
    history.push('d');
    expect(history.canRedo).toBe(false);
  });
  it('makes a whole drag one undo step', () => {
    const history = new History(0);
    for (let x = 1; x <= 10; x++) history.replace(x);
    history.commit();
    expect(history.present).toBe(10);
    expect(history.undo()).toBe(0);
    expect(history.redo()).toBe(10);
  });
  it('commits an unfinished drag before undoing it', () => {
    const history = new History('start');
    history.replace('dragging');
    expect(history.canUndo).toBe(true);
    expect(history.undo()).toBe('start');
  });
  it('keeps at most `limit` steps', () => {
    const history = new History(0, 3);
    for (let i = 1; i <= 10; i++) history.push(i);
    [9, 8, 7, 7].forEach((want) => expect(history.undo()).toBe(want));
  });
});

describe('scenario object edits', () => {
  it('moves, updates, adds and removes objects by id, leaving the original untouched', () => {
    const moved = moveObject(example, { kind: 'irs', id: 'r1' }, 1.234, -5.678);
    expect(findObject(moved, { kind: 'irs', id: 'r1' })).toMatchObject({ x: 1.23, y: -5.68 });
    expect(example.irs[0].x).toBe(15);
    const turned = updateObject(moved, { kind: 'irs', id: 'r1' }, { facingDeg: 45 });
    expect(turned.irs[0].facingDeg).toBe(45);
    const added = addObject(turned, 'user', 3, 4);
    expect(added.selection).toEqual({ kind: 'user', id: 'u2' });
    expect(validateScenario(added.scenario).users).toHaveLength(2);
    expect(removeObject(added.scenario, { kind: 'user', id: 'u1' }).users.map((u) => u.id)).toEqual(['u2']);
  });
  it('moves a user area by its centre and keeps its size', () => {
    const { scenario } = addObject(example, 'area', 0, 0);
    const moved = moveObject(scenario, { kind: 'area', id: 'zone1' }, 100, 50);
    expect(moved.userAreas![0]).toEqual({ id: 'zone1', x0: 80, y0: 35, x1: 120, y1: 65 });
  });
  it('finds ids that are free across all kinds', () => {
    expect(freshId(example, 'r')).toBe('r3');
    expect(freshId(example, 'bs')).toBe('bs1');
  });
});

describe('scenario in the link', () => {
  it('round-trips through deflate and base64url', async () => {
    const packed = encodeScenario(example, false);
    expect(packed).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(validateScenario(await decodeScenario(packed!))).toEqual(example);
  });
  it('leaves out the buildings of the embedded map', async () => {
    const decoded = await decodeScenario(encodeScenario(example, true)!);
    expect(decoded.buildings).toEqual([]);
  });
  it('refuses a scenario too big for a link, and explains a damaged one', async () => {
    const huge = { ...example, buildings: Array.from({ length: 20_000 }, (_, i) => [[i * 1.37, 0], [i * 1.37 + 0.91, 0.13], [i, 2.71]] as [number, number][]) };
    expect(encodeScenario(huge, false)).toBeNull();
    await expect(decodeScenario('not-a-scenario')).rejects.toThrow(/could not be read/);
  });
});

describe('heatmap metrics and scale bar', () => {
  const options = { bandwidthHz: 1e6, rateThresholdBps: 2e6 };
  it('shows SNR in dB, rate in Mbit/s, IRS gain and coverage', () => {
    expect(metricValue('snr', 100, 1, options)).toBeCloseTo(20, 12);
    expect(metricValue('rate', 3, 1, options)).toBeCloseTo(2, 12); // 1 MHz · log₂(4)
    expect(metricValue('gain', 100, 10, options)).toBeCloseTo(10, 12);
    expect(metricValue('gain', 5, 0, options)).toBe(Infinity);
    expect(metricValue('coverage', 3, 0, options)).toBe(1);
    expect(metricValue('coverage', 2.9, 0, options)).toBe(0);
  });
  it('picks round scale-bar lengths', () => {
    expect(scaleBarLength(2)).toEqual({ metres: 50, px: 100 });
    expect(scaleBarLength(0.05)).toEqual({ metres: 2000, px: 100 });
    expect(scaleBarLength(300).metres).toBeCloseTo(0.2, 12);
    expect(formatLength(2000)).toBe('2 km');
    expect(formatLength(0.2)).toBe('20 cm');
  });
});
