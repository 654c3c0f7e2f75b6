import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { waitFor } from '../support/processes';
import { CONTEXT_OPTIONS, launchBrowser, screenshot, seriousViolations, signIn } from './support/browser';
import { type Product, startProduct } from './support/product';

/** The number a `[data-testid]` element's text starts with (e.g. "12 waiting · …"). */
async function leadingNumber(page: Page, selector: string): Promise<number> {
  const text = (await page.locator(selector).first().textContent()) ?? '';
  return Number(/\d+/.exec(text)?.[0] ?? NaN);
}

/** Inspections browser, item page, dashboards, live updates, roles and CSRF in a real browser. */
describe('console pages (browser)', () => {
  let product: Product;
  let browser: Browser;
  let attacker: Server;
  const contexts: BrowserContext[] = [];
  const newPage = async () => {
    const context = await browser.newContext(CONTEXT_OPTIONS);
    contexts.push(context);
    return context.newPage();
  };
  const inspectionCount = async () =>
    (await product.sql.query(`SELECT count(*)::int AS n FROM inspections`)).rows[0].n as number;

  beforeAll(async () => {
    product = await startProduct();
    browser = await launchBrowser();
    for (let i = 1; i <= 6; i++) expect((await product.upload(`P-${i}`, i)).status).toBeLessThan(300);
  }, 180_000);
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
  });
  afterAll(async () => {
    attacker?.close();
    await browser?.close();
    await product?.stop();
  });

  it('browses inspections with filters in the URL, opens an item, and passes axe on both pages', async () => {
    const page = await newPage();
    await signIn(page, product.url, product.people.qa1, '/inspections');
    await page.getByTestId('inspection-row').first().waitFor();
    expect(await page.getByTestId('inspection-row').count()).toBe(6);
    await page.getByLabel('Line').selectOption(product.lineId);
    await page.getByLabel('Only items that need review').check();
    await page.waitForURL((url) => url.searchParams.get('lineId') === product.lineId);
    expect(new URL(page.url()).searchParams.get('needsReview')).toBe('true');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, '06-inspections');

    // The URL alone reproduces the view (a shared link).
    const shared = await newPage();
    await signIn(shared, product.url, product.people.qa1, '/inspections');
    await shared.goto(page.url());
    await shared.getByTestId('inspection-row').first().waitFor();
    expect(await shared.getByLabel('Only items that need review').isChecked()).toBe(true);

    await page.getByTestId('inspection-row').first().getByRole('link').click();
    await page.waitForURL(/\/inspections\/[0-9a-f-]{36}$/);
    await page.getByTestId('review-image').waitFor();
    await page.getByRole('heading', { name: 'Reviews' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, '07-inspection-item');
  });

  it('shows a line dashboard and opens the inspections behind a point', async () => {
    const page = await newPage();
    await signIn(page, product.url, product.people.qa1, '/dashboards');
    await page.getByRole('link', { name: product.lineName }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, '08-dashboards');
    await page.getByRole('link', { name: product.lineName }).click();
    await page.getByTestId('line-totals').waitFor();
    await page.getByRole('button', { name: '7d' }).click();
    await page.waitForURL(/range=7d/);
    await expect(page.getByTestId('serving-model').textContent()).resolves.toContain('tiles-tiny');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, '09-line-dashboard');

    await page.getByText('Data table').click();
    await page.locator('.data-table tbody a').first().click();
    await page.waitForURL(/\/inspections\?/);
    const url = new URL(page.url());
    expect(url.searchParams.get('lineId')).toBe(product.lineId);
    expect(url.searchParams.get('from')).toBeTruthy();
    await page.getByTestId('inspection-row').first().waitFor();
  });

  it('shows a new upload in the queue, the inspections list and the dashboard without a reload', async () => {
    const review = await newPage();
    await signIn(review, product.url, product.people.qa2, '/review');
    await review.getByTestId('queue-counts').getByText('waiting').waitFor();
    const queued = await leadingNumber(review, '[data-testid="queue-counts"]');
    const dashboard = await newPage();
    await signIn(dashboard, product.url, product.people.admin, `/dashboards/lines/${product.lineId}`);
    const totalBefore = await leadingNumber(dashboard, '[data-testid="line-totals"] dd');
    expect(totalBefore).toBe(await inspectionCount());
    const list = await newPage();
    await signIn(list, product.url, product.people.qa1, '/inspections');
    await list.getByTestId('inspection-row').first().waitFor();
    const rowsBefore = await list.getByTestId('inspection-row').count();

    expect((await product.upload('LIVE-1', 3)).status).toBeLessThan(300);
    await waitFor(
      async () => (await leadingNumber(review, '[data-testid="queue-counts"]')) === queued + 1,
      15_000,
      'the queue count grew',
    );
    await waitFor(
      async () => (await leadingNumber(dashboard, '[data-testid="line-totals"] dd')) === totalBefore + 1,
      15_000,
      'the dashboard total grew',
    );
    await waitFor(
      async () => (await list.getByTestId('inspection-row').count()) === rowsBefore + 1,
      15_000,
      'the new inspection listed',
    );
    await list.getByRole('cell', { name: 'LIVE-1' }).waitFor();
  });

  it('shows promotion controls to an ML engineer or admin, none to a qa user, whom the server refuses', async () => {
    const admin = await newPage();
    await signIn(admin, product.url, product.people.admin, `/dashboards/lines/${product.lineId}`);
    await admin.getByTestId('promotion-controls').waitFor();

    const qa = await newPage();
    await signIn(qa, product.url, product.people.qa1, `/dashboards/lines/${product.lineId}`);
    await qa.getByTestId('serving-model').waitFor();
    expect(await qa.getByTestId('promotion-controls').count()).toBe(0);
    expect(await qa.getByRole('button', { name: /roll back|promote/i }).count()).toBe(0);

    // Called anyway, with the qa user's own cookie session and CSRF token: refused by the server.
    const session = await product.call('GET', '/api/v1/users/me', product.people.qa1.token);
    expect(session.body.role).toBe('qa');
    const statuses = await qa.evaluate(`(async () => {
      const session = await (await fetch('/api/v1/auth/session')).json();
      const post = (path) => fetch(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
        body: JSON.stringify({ name: 'not-allowed' }),
      }).then((r) => r.status);
      return [await post('/api/v1/models/${product.modelVersionId}/promote'), await post('/api/v1/models/rollback'), await post('/api/v1/lines')];
    })()`);
    expect(statuses).toEqual([403, 403, 403]);
  });

  it('refuses a cross-site form post made with the session cookie (CSRF)', async () => {
    const page = await newPage();
    await signIn(page, product.url, product.people.qa1, '/inspections');
    const inspection = (await product.sql.query(`SELECT id FROM inspections LIMIT 1`)).rows[0].id as string;
    const reviewsBefore = (await product.sql.query(`SELECT count(*)::int AS n FROM reviews`)).rows[0].n;
    // Another site (localhost is a different site from 127.0.0.1) with a form aimed at the product.
    attacker = createServer((_request, response) => {
      response.setHeader('content-type', 'text/html');
      response.end(`<!doctype html><html lang="en"><body>
        <form id="f" method="POST" action="${product.url}/api/v1/inspections/${inspection}/reviews"
              enctype="application/x-www-form-urlencoded">
          <input name="decision" value="ok"></form>
        <script>document.getElementById('f').submit()</script></body></html>`);
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    const port = (attacker.address() as AddressInfo).port;
    const answer = page.waitForResponse((response) => response.url().includes('/reviews'));
    await page.goto(`http://localhost:${port}/`);
    const response = await answer;
    expect([401, 403]).toContain(response.status());
    expect((await product.sql.query(`SELECT count(*)::int AS n FROM reviews`)).rows[0].n).toBe(reviewsBefore);
    // The session itself is intact.
    await page.goto(`${product.url}/inspections`);
    await page.getByTestId('current-user').waitFor();
  });

  it('signs out', async () => {
    const page = await newPage();
    await signIn(page, product.url, product.people.engineer, '/review');
    await expect(page.getByTestId('current-user').textContent()).resolves.toContain('ML engineer');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/signin/);
    await page.goto(`${product.url}/review`);
    await page.waitForURL(/\/signin\?next=/);
    const status = await page.evaluate(`fetch('/api/v1/auth/session').then((r) => r.status)`);
    expect(status).toBe(401);
  });
});
