import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { contrastRatio, parseColour } from '../../src/lib/util/contrast.ts';
import { openPage, openSite, screenshot, type Site } from './harness.ts';

/**
 * What a reader meets on a phone and in dark mode: results tables whose captions are whole and whose
 * numbers never break across lines, a scroll cue and a sticky first column when a table is wider than
 * the screen, and primary buttons readable in both themes (contrast from the computed styles).
 */
let site: Site;
beforeAll(async () => {
  site = await openSite();
});
afterAll(async () => {
  await site?.close();
});

interface TableLayout {
  viewport: number;
  captions: { text: string; left: number; right: number; overflow: number }[];
  /** Cells whose text is a number, with how many lines it takes. */
  numbers: { text: string; lines: number }[];
  overflowing: boolean;
  cueShown: boolean;
}

/** Measures every results table on the page (captions, numeric cells' line counts, overflow and cue). */
function tableLayout(page: Page): Promise<TableLayout[]> {
  return page.evaluate(() => {
    const numeric = /^[-+−±]?\s?[\d.,]+(e[-+]?\d+)?\s?(%|s|M|×)?$/i;
    return [...document.querySelectorAll('[data-testid="results-table"]')].map((table) => {
      const wrapper = table.closest('.results')!;
      const scroller = table.parentElement!;
      const captions = [...wrapper.querySelectorAll('[data-testid="results-caption"]')].map((c) => {
        const box = c.getBoundingClientRect();
        return { text: c.textContent ?? '', left: box.left, right: box.right, overflow: c.scrollWidth - c.clientWidth };
      });
      const numbers = [...table.querySelectorAll('td')].filter((td) => numeric.test((td.textContent ?? '').trim())).map((td) => {
        const range = document.createRange();
        range.selectNodeContents(td);
        const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        return { text: td.textContent ?? '', lines: tops.size };
      });
      return {
        viewport: window.innerWidth,
        captions,
        numbers,
        overflowing: scroller.scrollWidth > scroller.clientWidth + 1,
        cueShown: wrapper.querySelector('[data-testid="scroll-cue"]') !== null,
      };
    });
  });
}

/** The layout once the tables have settled (the cue follows a ResizeObserver, a frame after a change). */
async function settledLayout(page: Page): Promise<TableLayout[]> {
  await expect.poll(async () => (await tableLayout(page)).every((l) => l.cueShown === l.overflowing), { timeout: 10_000 }).toBe(true);
  return tableLayout(page);
}

function expectReadable(layouts: TableLayout[]): void {
  expect(layouts.length).toBeGreaterThan(0);
  for (const layout of layouts) {
    for (const caption of layout.captions) {
      expect(caption.text.length).toBeGreaterThan(10);
      expect(caption.left).toBeGreaterThanOrEqual(0);
      expect(caption.right).toBeLessThanOrEqual(layout.viewport);
      expect(caption.overflow).toBeLessThanOrEqual(0);
    }
    expect(layout.numbers.length).toBeGreaterThan(0);
    for (const cell of layout.numbers) expect(cell, `"${cell.text}" wraps`).toMatchObject({ lines: 1 });
    expect(layout.cueShown).toBe(layout.overflowing);
  }
}

describe('results tables at 360 px', () => {
  it('IRS per-user table: caption whole, numbers on one line, scroll cue and a first column that stays put', async () => {
    const { page, consoleErrors } = await openPage(site, '/irs', { width: 360 });
    await page.getByTestId('coverage-rate').waitFor({ timeout: 120_000 });
    await expect.poll(() => page.getByTestId('results-table').locator('tbody tr').count(), { timeout: 60_000 }).toBe(3);
    const layouts = await settledLayout(page);
    expectReadable(layouts);
    expect(layouts[0].overflowing).toBe(true);

    // Scrolled to the right, the first column (the user) is still at the scroller's left edge.
    const firstCell = page.getByTestId('results-table').locator('tbody tr').first().locator('td').first();
    const before = (await firstCell.boundingBox())!;
    await page.getByTestId('results-table').evaluate((table) => table.parentElement!.scrollBy({ left: 200 }));
    await expect.poll(async () => page.getByTestId('results-table').evaluate((table) => table.parentElement!.scrollLeft)).toBeGreaterThan(0);
    expect(Math.abs((await firstCell.boundingBox())!.x - before.x)).toBeLessThan(1);
    await expect.poll(() => page.getByTestId('scroll-cue').first().textContent()).toMatch(/←/);
    await screenshot(page, 'readability-irs-table-360px');
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('QLL runs table: results before settings, caption whole, numbers on one line', async () => {
    const { page, consoleErrors } = await openPage(site, '/qll?methods=ce&epochs=1', { width: 360 });
    await page.getByTestId('train-backend').filter({ hasText: 'tfjs' }).waitFor({ timeout: 60_000 });
    await page.getByTestId('run-comparison').click();
    const table = page.getByTestId('results-table');
    await expect.poll(() => table.locator('tbody tr').filter({ hasText: 'done' }).count(), { timeout: 240_000, interval: 1000 }).toBe(1);
    const headers = await table.locator('thead th').allTextContents();
    expect(headers.slice(0, 4).map((h) => h.replace(/[↑↓]/g, '').trim())).toEqual(['method', 'test accuracy', 'test ECE', 'KL (ambiguous)']);
    expectReadable(await settledLayout(page));
    await screenshot(page, 'readability-qll-table-360px');
    expect(consoleErrors).toEqual([]);
    await page.close();
  });
});

describe('primary buttons in both themes', () => {
  async function primaryContrasts(page: Page): Promise<{ label: string; ratio: number }[]> {
    const styles = await page.locator('button.primary:not([disabled])').evaluateAll((buttons) =>
      buttons.map((b) => ({ label: b.textContent ?? '', colour: getComputedStyle(b).color, background: getComputedStyle(b).backgroundColor })));
    return styles.map((s) => ({ label: s.label.trim(), ratio: contrastRatio(parseColour(s.colour), parseColour(s.background)) }));
  }

  it('reach 4.5:1 (WCAG AA) in the light and the dark theme', async () => {
    for (const route of ['/qll', '/gradient-labels']) {
      const { page, consoleErrors } = await openPage(site, route);
      await page.locator('button.primary').first().waitFor();
      const light = await primaryContrasts(page);
      await page.getByRole('button', { name: /Switch to dark theme/ }).click();
      await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
      const dark = await primaryContrasts(page);
      console.info(`[e2e] ${route} primary buttons: light ${light.map((c) => c.ratio.toFixed(2)).join(', ')}; dark ${dark.map((c) => c.ratio.toFixed(2)).join(', ')}`);
      expect(light.length).toBeGreaterThan(0);
      expect(dark.length).toBe(light.length);
      for (const c of [...light, ...dark]) expect(c.ratio, c.label).toBeGreaterThanOrEqual(4.5);
      if (route === '/qll') await screenshot(page, 'readability-qll-dark');
      await page.getByRole('button', { name: /Switch to light theme/ }).click();
      expect(consoleErrors).toEqual([]);
      await page.close();
    }
  });
});
