import { readFileSync } from 'node:fs';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CONTEXT_OPTIONS, launchBrowser, screenshot, seriousViolations, signIn } from './support/browser';
import { type Product, startProduct } from './support/product';

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat (clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of the file (utime, stime); the slice starts at field 3.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The share of one core a process used over `ms`. */
async function cpuShare(pid: number, ms: number): Promise<number> {
  const before = cpuSeconds(pid);
  const started = Date.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return (cpuSeconds(pid) - before) / ((Date.now() - started) / 1000);
}

async function pointsOf(page: Page, testId: string): Promise<number> {
  return Number(await page.getByTestId(testId).locator('figure').first().getAttribute('data-points'));
}

/** An ML engineer launches, watches and cancels trainings through the console, on the real built product. */
describe('training pages (browser)', () => {
  let product: Product;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const newPage = async () => {
    const context = await browser.newContext(CONTEXT_OPTIONS);
    contexts.push(context);
    return context.newPage();
  };

  beforeAll(async () => {
    product = await startProduct();
    browser = await launchBrowser();
  }, 180_000);
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
  });
  afterAll(async () => {
    await browser?.close();
    await product?.stop();
  });

  /** Picks a dataset and a preset on /training/new. */
  const startForm = async (page: Page, dataset: string) => {
    await page.goto(`${product.url}/training/new`);
    await page.getByRole('radio', { name: new RegExp(`^${dataset} `) }).check();
    await page.getByRole('button', { name: 'Use “Quick check”' }).click();
    await expect(page.getByLabel('data.limitPerClass', { exact: true }).inputValue()).resolves.toBe('20');
    // NEU-CLS has six defect classes and no "ok" one: the form switches the task to multiclass.
    await expect(page.getByLabel('data.task', { exact: true }).inputValue()).resolves.toBe('multiclass');
  };

  it('launches a tiny training through the generated form and watches its curves and checklist grow live', async () => {
    const page = await newPage();
    await signIn(page, product.url, product.people.engineer, '/training');
    await page.getByRole('heading', { name: 'Training' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, '30-training-jobs-empty');

    await page.getByRole('link', { name: 'New training' }).click();
    await page.waitForURL(/\/training\/new$/);
    await startForm(page, 'neu-cls');
    // Every preset shows what it sets and its estimate on this host for the dataset picked.
    const estimates = await page.getByTestId('preset-estimate').allTextContents();
    expect(estimates).toHaveLength(3);
    for (const estimate of estimates)
      expect(estimate).toMatch(/^About .+ on this host \(\d+ training images/);
    // The advanced options are generated from the schema: every section, with defaults shown.
    await page.getByText('Advanced options').click();
    await expect(page.getByLabel('optimizer.kind', { exact: true }).inputValue()).resolves.toBe('');
    expect(await page.locator('#opt-optimizer-kind-hint').textContent()).toContain('default "adamw"');
    expect(
      await page.getByLabel('checklist.overfit.steps', { exact: true }).getAttribute('placeholder'),
    ).toBe('60');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, '31-training-new');

    // A value the server refuses is shown on its field.
    await page.getByLabel('schedule.lr', { exact: true }).fill('-1');
    await page.getByRole('button', { name: 'Launch training' }).click();
    const fieldError = page.locator('[data-path="schedule.lr"] .field-error');
    await fieldError.waitFor();
    expect(await fieldError.textContent()).toMatch(/greater than 0/);
    await screenshot(page, '32-training-new-field-error');

    await page.getByLabel('schedule.lr', { exact: true }).fill('0.003');
    await page.getByLabel('epochs', { exact: true }).fill('6');
    await page.getByLabel('data.limitPerClass', { exact: true }).fill('30');
    await page.getByRole('button', { name: 'Launch training' }).click();
    await page.waitForURL(/\/training\/[0-9a-f-]{36}$/);

    // The step curves grow from the event stream while the job runs.
    const seen: number[] = [];
    let shot = false;
    const deadline = Date.now() + 55_000;
    for (;;) {
      const points = await pointsOf(page, 'step-charts');
      if (seen[seen.length - 1] !== points) seen.push(points);
      if ((await page.getByTestId('job-status').textContent()) === 'succeeded') break;
      if (Date.now() > deadline) {
        await screenshot(page, '33-training-job-timeout');
        const { rows } = await product.sql.query(
          `SELECT status, progress, error, right(log, 1500) AS log FROM training_jobs ORDER BY created_at DESC LIMIT 1`,
        );
        throw new Error(
          `the job did not finish in 55 s; points seen ${seen.join(',')}; ${JSON.stringify(rows[0])}`,
        );
      }
      if (seen.length >= 2 && !shot) shot = Boolean(await screenshot(page, '33-training-job-live'));
      await page.waitForTimeout(200);
    }
    // Grown live: at least two different non-empty curves were drawn before the job ended (a tiny job on a
    // quiet machine may finish within a few progress events, so more is not required).
    expect(seen.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
    await page.getByTestId('finding-cards').waitFor();
    await page.locator('[data-testid="epoch-charts"] figure[data-points="6"]').first().waitFor();
    const cards = page.locator('[data-testid="finding-cards"] article');
    const checks = await cards.evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-check')));
    expect(checks).toContain('initial-loss');
    expect(checks.some((check) => check?.startsWith('curves'))).toBe(true);
    const first = await cards.first().textContent();
    for (const part of ['Measured', 'Expected', 'What it means', 'What to do', 'The run'])
      expect(first).toContain(part);
    // Every number on the cards is rounded (percentages to 1 decimal, losses to 3 significant digits).
    expect((await cards.allTextContents()).join('\n')).not.toMatch(/\d\.\d{5,}/);
    expect(await page.getByTestId('log-tail').textContent()).toContain('epoch 6/6');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, '34-training-job-done');
  }, 90_000);

  it('cancels a running training: the trainer CPU goes quiet within 10 s and the checkpoint stays', async () => {
    const page = await newPage();
    await signIn(page, product.url, product.people.engineer, '/training/new');
    await startForm(page, 'neu-cls');
    await page.getByLabel('epochs', { exact: true }).fill('300');
    await page.getByLabel('data.limitPerClass', { exact: true }).fill('30');
    await page.getByRole('button', { name: 'Launch training' }).click();
    await page.waitForURL(/\/training\/[0-9a-f-]{36}$/);
    const jobId = page.url().split('/').pop()!;
    // Running, past its first epoch (a checkpoint is kept), and busy.
    await page.getByTestId('job-checkpoint').getByText('kept (resumable)').waitFor({ timeout: 45_000 });
    // Busy (on two cores shared with other work, a training gets at least a third of one).
    expect(await cpuShare(product.trainerPid, 1_000)).toBeGreaterThan(0.3);

    await page.getByRole('button', { name: 'Cancel training' }).click();
    await page.getByRole('alertdialog').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, '35-training-cancel-confirm');
    const cancelledAt = Date.now();
    await page.getByRole('button', { name: 'Yes, stop it' }).click();
    let quietAfterMs = Infinity;
    while (Date.now() - cancelledAt < 15_000) {
      if ((await cpuShare(product.trainerPid, 500)) < 0.1) {
        quietAfterMs = Date.now() - cancelledAt;
        break;
      }
    }
    // Still quiet a second later (not a pause between two steps).
    expect(await cpuShare(product.trainerPid, 1_000)).toBeLessThan(0.1);
    console.log(`training cancel: trainer CPU quiet ${quietAfterMs} ms after the click`);
    expect(quietAfterMs).toBeLessThan(10_000);
    await page.getByTestId('job-status').getByText('cancelled').waitFor();
    const { rows } = await product.sql.query(
      `SELECT status, checkpoint_key, log FROM training_jobs WHERE id = $1`,
      [jobId],
    );
    expect(rows[0]).toMatchObject({ status: 'cancelled', checkpoint_key: expect.stringContaining(jobId) });
    await screenshot(page, '36-training-job-cancelled');

    // The jobs list shows both, with their status and progress.
    await page.getByRole('link', { name: '← All training jobs' }).click();
    await page.getByTestId('training-jobs').waitFor();
    const statuses = await page
      .locator('[data-testid="training-jobs"] tbody tr')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-status')));
    expect(statuses).toEqual(['cancelled', 'succeeded']);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, '37-training-jobs');
  }, 90_000);
});
