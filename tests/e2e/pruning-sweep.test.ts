import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, openSite, screenshot, type Site } from './harness.ts';

/**
 * The pruning page's sweep and its pruned models on the built site: a two-sparsity sweep (small
 * calibration and evaluation budgets) draws its perplexity-vs-sparsity curve with the dense reference,
 * the runs table shows Δppl in %, and a pruned run writes next to the dense model from the same prompt
 * and seed — with no `<unk>` in either text.
 */
let site: Site;
beforeAll(async () => {
  site = await openSite();
});
afterAll(async () => {
  await site?.close();
});

describe('the pruning sweep and the pruned models', () => {
  it('sweeps two sparsities, draws the curve, and generates with a pruned run beside the dense model', async () => {
    const { page, consoleErrors, foreignRequests } = await openPage(site, '/pruning');
    await page.getByTestId('model-summary').waitFor({ timeout: 120_000 });
    await page.getByLabel('Windows (nsamples)').fill('4');
    await page.getByLabel('Tokens each').fill('64');
    await page.getByText('Method settings and evaluation').click();
    await page.getByLabel('Perplexity budget (tokens of WikiText-2 test)').fill('256');
    await page.getByLabel('Speed timings of each model').fill('2');

    // Only magnitude, at 0.2 and 0.4.
    await page.getByLabel('FASP', { exact: true }).uncheck();
    await page.getByLabel('Wanda-sp', { exact: true }).uncheck();
    await page.getByLabel('magnitude', { exact: true }).check();
    await page.getByTestId('sweep-from').fill('0.2');
    await page.getByTestId('sweep-to').fill('0.4');
    await page.getByTestId('sweep-step').fill('0.2');
    await page.getByTestId('run-sweep').click();
    await page.getByTestId('progress').first().waitFor({ timeout: 60_000 });
    const status = page.getByTestId('sweep-status');
    await status.waitFor({ timeout: 300_000 });
    expect(await status.textContent()).toMatch(/Sweep finished: 2 of 2 runs done/);

    // The curve: one line for magnitude from the dense point (s = 0) through both runs, and the dense reference.
    const chart = page.getByTestId('ppl-chart');
    const legend = (await chart.locator('.legend').textContent()) ?? '';
    expect(legend).toMatch(/magnitude/);
    expect(legend).toMatch(/dense \d+\.\d\d/);
    expect(await chart.locator('svg circle').count()).toBe(3);
    const rows = page.getByTestId('results-table').locator('tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await rows.first().textContent()).toMatch(/[+−]\d+\.\d\d%/);
    expect(await page.getByTestId('prune-speed').textContent()).toMatch(/no measurable difference|× the dense model's tokens\/s/);

    // Generate with run 2 (magnitude, s = 0.4) beside the dense model, same prompt and seed.
    await page.getByTestId('generate-model').selectOption('2');
    await page.getByTestId('generate-compare').selectOption('dense');
    await page.getByTestId('run-generate').click();
    const stats = page.getByTestId('generate-stats');
    await stats.nth(1).waitFor({ timeout: 120_000 });
    const texts = await page.getByTestId('generated-text').allTextContents();
    expect(texts).toHaveLength(2);
    const prompt = ' The history of the city';
    for (const text of texts) {
      expect(text.startsWith(prompt)).toBe(true);
      expect(text.length).toBeGreaterThan(prompt.length);
      expect(text).not.toContain('<unk>');
    }
    const headings = await page.locator('.generation h3').allTextContents();
    expect(headings).toEqual(['run 2: magnitude, s = 0.40', 'dense (the loaded model)']);
    console.info(`[e2e] pruned: ${texts[0].trim()}\n[e2e] dense: ${texts[1].trim()}`);

    // Evaluate on the pruned run: the same perplexity as the run's own evaluation on the same window.
    await page.getByTestId('evaluate-model').selectOption('2');
    await page.getByLabel('Windows', { exact: true }).fill('1');
    await page.getByTestId('run-perplexity').click();
    const evaluated = page.getByTestId('perplexity-result');
    await evaluated.waitFor({ timeout: 120_000 });
    const evaluatedText = (await evaluated.textContent()) ?? '';
    expect(evaluatedText).toMatch(/^\s*run 2: magnitude, s = 0\.40: Perplexity/);
    const runPpl = /perplexity\s+([\d.]+)/.exec((await page.getByTestId('prune-result').textContent()) ?? '')?.[1];
    expect(runPpl).toBeDefined();
    expect(evaluatedText).toContain(`Perplexity ${runPpl}`);

    await screenshot(page, 'pruning-sweep');
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
    await page.close();
  });
});
