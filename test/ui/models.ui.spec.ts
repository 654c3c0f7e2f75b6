import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import path from 'node:path';
import { writeManifestFolder } from '../support/model-folder';
import { waitFor } from '../support/processes';
import { CONTEXT_OPTIONS, launchBrowser, screenshot, seriousViolations, signIn } from './support/browser';
import { type Product, startProduct } from './support/product';

/**
 * The model pages in a real browser on the real built product, with two real tiny versions (production v1 and a
 * candidate v2 trained with another config): list, compare, detail, shadow, promotion with a reason, per-line
 * override; and what a QA reviewer may not do.
 */
describe('model pages (browser)', () => {
  let product: Product;
  let browser: Browser;
  let candidate: string;
  const contexts: BrowserContext[] = [];
  const newPage = async () => {
    const context = await browser.newContext(CONTEXT_OPTIONS);
    contexts.push(context);
    return context.newPage();
  };
  const servingModel = async (page: Page) => {
    await page.goto(`${product.url}/dashboards/lines/${product.lineId}`);
    await page.getByTestId('serving-model').waitFor();
    return (await page.getByTestId('serving-model').textContent()) ?? '';
  };

  beforeAll(async () => {
    product = await startProduct({ candidate: true });
    candidate = product.candidateVersionId!;
    browser = await launchBrowser();
  }, 120_000);
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
  });
  afterAll(async () => {
    await browser?.close();
    await product?.stop();
  });

  it('an ML engineer compares two versions, watches a shadow run, promotes one with a reason, and the line follows', async () => {
    const page = await newPage();
    await signIn(page, product.url, product.people.engineer, '/models');
    await page.getByTestId(`model-row-${candidate}`).waitFor();
    expect(await page.locator('tbody tr').count()).toBe(2);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, '20-models');

    // Compare: metrics side by side, overlaid curves, both matrices, and the config changes.
    await page.getByRole('checkbox', { name: 'Compare tiles-tiny v1' }).check();
    await page.getByRole('checkbox', { name: 'Compare tiles-tiny v2' }).check();
    await page.getByRole('button', { name: /Compare selected/ }).click();
    await page.waitForURL(/\/models\/compare\?a=.+&b=.+/);
    await page.getByTestId('config-diff').waitFor();
    const diff = (await page.getByTestId('config-diff').textContent()) ?? '';
    expect(diff).toContain('optimizer.kind');
    expect(diff).toContain('"sgd"');
    expect(diff).toContain('epochs');
    expect(await page.locator('table.confusion').count()).toBe(2);
    expect(await page.locator('.chart canvas').count()).toBeGreaterThanOrEqual(2);
    expect(await page.getByTestId('compare-metrics').textContent()).toMatch(/ROC AUC/);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, '21-models-compare');

    // The candidate's own page.
    await page.getByRole('link', { name: 'tiles-tiny v2' }).first().click();
    await page.waitForURL(`**/models/${candidate}`);
    await page.getByTestId('key-figures').waitFor();
    await page.getByTestId('resolved-config').waitFor();
    expect(await page.getByTestId('resolved-config').textContent()).toContain('"kind": "sgd"');
    await page.getByRole('heading', { name: 'Training curves' }).waitFor();
    await waitFor(async () => (await page.locator('.chart canvas').count()) >= 6, 10_000, 'charts drawn');
    expect(await seriousViolations(page)).toEqual([]);

    // Shadow: start, then an upload is scored by both and the agreement shown grows without a reload.
    await page.getByRole('button', { name: 'Start shadow scoring' }).click();
    await page.getByRole('button', { name: 'Stop shadow scoring' }).waitFor();
    await waitFor(
      async () =>
        (await product.sql.query(`SELECT 1 FROM model_versions WHERE id = $1 AND shadow`, [candidate]))
          .rowCount === 1,
      5_000,
      'shadow flag stored',
    );
    // Inference picks the shadow version up from its notification; uploads until one is shadow-scored.
    await waitFor(
      async () => {
        await product.upload(`S-${Date.now()}`, 3);
        return /[1-9]\d* inspections agreed|of [1-9]\d* inspections/.test(
          (await page.getByTestId('shadow-agreement').textContent()) ?? '',
        );
      },
      40_000,
      'live shadow agreement',
    );
    const shadowed = Number(
      (
        await product.sql.query(`SELECT count(*)::int AS n FROM shadow_results WHERE model_version_id = $1`, [
          candidate,
        ])
      ).rows[0].n,
    );
    expect(shadowed).toBeGreaterThan(0);
    await screenshot(page, '22-model-detail');
    await page.getByRole('button', { name: 'Stop shadow scoring' }).click();
    await page.getByRole('button', { name: 'Start shadow scoring' }).waitFor();

    // Per-line override: pin v2 on the line, then let it follow production again.
    await page.getByRole('button', { name: `Serve this version on ${product.lineName}` }).click();
    await page.getByRole('button', { name: `Follow production on ${product.lineName}` }).waitFor();
    expect(
      (await product.call('GET', `/api/v1/lines/${product.lineId}`, product.adminToken)).body.modelVersionId,
    ).toBe(candidate);
    await page.getByRole('button', { name: `Follow production on ${product.lineName}` }).click();
    await page.getByRole('button', { name: `Serve this version on ${product.lineName}` }).waitFor();

    // Promotion: a confirmation that will not go without a reason.
    expect(await servingModel(page)).toContain('tiles-tiny v1');
    await page.goto(`${product.url}/models/${candidate}`);
    await page.getByRole('button', { name: 'Promote to production…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Promote' }).click();
    await dialog.getByText('A reason is required.').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, '23-model-promote-dialog');
    await dialog.getByLabel(/Reason/).fill('v2 ranks defects better on the test split');
    await dialog.getByRole('button', { name: 'Promote' }).click();
    await page.getByText('Promoted: this version now serves production.').waitFor();
    const audit = await product.sql.query(
      `SELECT actor_id, details FROM audit_events WHERE action = 'model.promote' AND target_id = $1`,
      [candidate],
    );
    expect(audit.rows).toEqual([
      {
        actor_id: product.people.engineer.id,
        details: { previous: product.modelVersionId, reason: 'v2 ranks defects better on the test split' },
      },
    ]);
    expect(await servingModel(page)).toContain('tiles-tiny v2');
  }, 90_000);

  it('an ML engineer imports a model folder from the models page and follows the import job', async () => {
    const folder = await writeManifestFolder(
      path.join(product.runsRoot, 'objects', 'models', 'manifest-only'),
    );
    const page = await newPage();
    await signIn(page, product.url, product.people.engineer, '/models');
    await page.getByText('Import a model trained with the CLI').click();
    await page.getByRole('textbox', { name: 'Model folder' }).fill('/etc');
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('from-cli');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'outside the training data roots' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    // Only a manifest: the API accepts the folder, the trainer fails the job and the page says why.
    await page.getByRole('textbox', { name: 'Model folder' }).fill(folder);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.waitForURL(/\/training\/[0-9a-f-]{36}$/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('import of manifest-only');
    await page.getByRole('alert').filter({ hasText: 'model.json is missing' }).waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('job-status').textContent()).toBe('failed');
    await screenshot(page, '24-model-import-failed');
  }, 60_000);

  it('a QA reviewer sees no promotion, rollback, shadow or override action, and the server refuses them', async () => {
    const page = await newPage();
    await signIn(page, product.url, product.people.qa1, '/review');
    expect(
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Models' }).count(),
    ).toBe(0);
    await page.goto(`${product.url}/models/${product.modelVersionId}`);
    await page.getByTestId('key-figures').waitFor();
    await page.getByTestId('line-overrides').waitFor();
    expect(await page.getByTestId('production-actions').count()).toBe(0);
    expect(
      await page.getByRole('button', { name: /Promote|Roll back|shadow scoring|Serve this version/ }).count(),
    ).toBe(0);
    await page.goto(`${product.url}/dashboards/lines/${product.lineId}`);
    await page.getByTestId('serving-model').waitFor();
    expect(await page.getByTestId('promotion-controls').count()).toBe(0);
    const statuses = await page.evaluate(`(async () => {
      const session = await (await fetch('/api/v1/auth/session')).json();
      const post = (path, body) => fetch(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
        body: JSON.stringify(body),
      }).then((r) => r.status);
      return [
        await post('/api/v1/models/${product.modelVersionId}/promote', { reason: 'qa tries' }),
        await post('/api/v1/models/rollback', { reason: 'qa tries' }),
        await post('/api/v1/models/${product.modelVersionId}/shadow', { enabled: true }),
        await post('/api/v1/models/line-override', { lineId: '${product.lineId}', modelVersionId: null }),
        await post('/api/v1/models/import', { path: 'x', name: 'x' }),
      ];
    })()`);
    expect(statuses).toEqual([403, 403, 403, 403, 403]);
    await page.goto(`${product.url}/models`);
    await page.getByRole('heading', { name: 'Models' }).waitFor();
    expect(await page.getByText('Import a model trained with the CLI').count()).toBe(0);
  }, 60_000);
});
