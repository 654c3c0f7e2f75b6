import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { waitFor } from '../support/processes';
import { CONTEXT_OPTIONS, launchBrowser, screenshot, seriousViolations, signIn } from './support/browser';
import { DEFECT_TYPES, type Product, startProduct } from './support/product';

const ITEM = '[data-testid="review-item"]';
/** Evaluated in the page: the id of the item on screen, or undefined. */
const CURRENT_ID = `document.querySelector('${ITEM}')?.getAttribute('data-id')`;

/** The id of the item on screen, once one is. */
async function currentItem(page: Page): Promise<string> {
  await page.locator(ITEM).waitFor();
  return (await page.locator(ITEM).getAttribute('data-id'))!;
}

/** Presses a decision key and waits for the next item (or the empty queue) to be on screen. */
async function decideByKey(page: Page, key: string): Promise<string> {
  const before = await currentItem(page);
  await page.keyboard.press(key);
  await page.waitForFunction(`${CURRENT_ID} !== ${JSON.stringify(before)}`);
  return before;
}

/** The QA review station in a real browser against the real built product. */
describe('review station (browser)', () => {
  let product: Product;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  const newPage = async () => {
    const context = await browser.newContext(CONTEXT_OPTIONS);
    contexts.push(context);
    return context.newPage();
  };
  const reviewsBy = async (userId: string) =>
    (
      await product.sql.query(
        `SELECT id, inspection_id, decision, defect_type, supersedes_review_id FROM reviews
         WHERE reviewer_id = $1 ORDER BY created_at, id`,
        [userId],
      )
    ).rows;

  beforeAll(async () => {
    product = await startProduct();
    browser = await launchBrowser();
    for (let i = 1; i <= 30; i++) {
      const { status, body } = await product.upload(`SN-${String(i).padStart(3, '0')}`, i);
      expect([200, 201, 202]).toContain(status);
      expect(body.id).toEqual(expect.any(String));
    }
    // The sync line answers with the verdict; every image of the fixed model is uncertain.
    const { rows } = await product.sql.query(
      `SELECT verdict, count(*)::int AS n FROM inspections GROUP BY 1`,
    );
    expect(rows).toEqual([{ verdict: 'uncertain', n: 30 }]);
  }, 180_000);
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
  });
  afterAll(async () => {
    await browser?.close();
    await product?.stop();
  });

  it('signs in with email and password, refusing a wrong one', async () => {
    const page = await newPage();
    await page.goto(`${product.url}/review`);
    await page.waitForURL(/\/signin\?next=%2Freview/);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, '01-sign-in');
    await page.getByLabel('Email').fill(product.people.qa1.email);
    await page.getByLabel('Password', { exact: true }).fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Wrong email or password');
    await page.getByLabel('Password', { exact: true }).fill(product.people.qa1.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/review$/);
    await expect(page.getByTestId('current-user').textContent()).resolves.toMatch(/Quinn QA.*QA reviewer/);
    const cookie = (await page.context().cookies()).find((c) => c.name === 'ls_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
  });

  it('reviews ten items by keyboard only, and PostgreSQL holds the ten reviews', async () => {
    const page = await newPage();
    await signIn(page, product.url, product.people.qa1);
    await currentItem(page);
    await page.getByTestId('review-image').waitFor();
    await expect(page.getByTestId('queue-counts').textContent()).resolves.toMatch(/30\s+waiting/);
    // The Grad-CAM heatmap (rendered by the inference service after the verdict) over the image, with opacity.
    const overlay = page.getByTestId('heatmap-overlay');
    await overlay.waitFor({ timeout: 30_000 });
    await expect(overlay.getAttribute('style')).resolves.toMatch(/opacity: 0\.5;/);
    await page.getByLabel('Opacity').focus();
    await page.keyboard.press('ArrowRight');
    await expect(overlay.getAttribute('style')).resolves.toMatch(/opacity: 0\.55;/);
    await expect(page.getByRole('img', { name: /Score [01]\.\d{3}, threshold 0\.50/ }).count()).resolves.toBe(
      1,
    );
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, '02-review-station');
    await page.evaluate('document.activeElement.blur()');

    // o = ok, d = defect, 1..3 = the line's defect types in order.
    const keys = ['o', 'd', '1', 'o', '2', 'o', 'o', '3', 'd', 'o'];
    const expected = keys.map((key) =>
      key === 'o'
        ? { decision: 'ok', defect_type: null }
        : { decision: 'defect', defect_type: key === 'd' ? null : DEFECT_TYPES[Number(key) - 1] },
    );
    const decided: string[] = [];
    for (const key of keys) decided.push(await decideByKey(page, key));
    expect(new Set(decided).size).toBe(10);
    await expect(page.getByTestId('announcer').textContent()).resolves.toMatch(/^Marked SN-\d+ OK\.$/);

    await waitFor(
      async () => (await reviewsBy(product.people.qa1.id)).length === 10,
      10_000,
      'ten reviews stored',
    );
    // Decisions are sent without waiting for the previous answer, so compare item by item, not by time.
    const rows = await reviewsBy(product.people.qa1.id);
    const stored = new Map(
      rows.map((r) => [r.inspection_id, { decision: r.decision, defect_type: r.defect_type }]),
    );
    expect(decided.map((id) => stored.get(id))).toEqual(expected);
    expect(rows.every((r) => r.supersedes_review_id === null)).toBe(true);
  });

  it('undo goes back, and the next decision is a correcting review', async () => {
    const page = await newPage();
    await signIn(page, product.url, product.people.qa1);
    const first = await decideByKey(page, 'o');
    await page.keyboard.press('z');
    await page.waitForFunction(`${CURRENT_ID} === ${JSON.stringify(first)}`);
    await page.getByText('Correcting your earlier decision').waitFor();
    await screenshot(page, '03-review-undo');
    await decideByKey(page, 'd');
    await waitFor(
      async () =>
        (await reviewsBy(product.people.qa1.id)).filter((r) => r.inspection_id === first).length === 2,
      10_000,
      'the correcting review stored',
    );
    const [original, correction] = (await reviewsBy(product.people.qa1.id)).filter(
      (r) => r.inspection_id === first,
    );
    expect(original).toMatchObject({ decision: 'ok', supersedes_review_id: null });
    expect(correction).toMatchObject({ decision: 'defect', supersedes_review_id: original.id });
  });

  it('gives two QA users working the same queue different items', async () => {
    const [a, b] = [await newPage(), await newPage()];
    await signIn(a, product.url, product.people.qa1);
    await signIn(b, product.url, product.people.qa2);
    const seenA = new Set<string>();
    const seenB = new Set<string>();
    for (let round = 0; round < 4; round++) {
      seenA.add(await decideByKey(a, 'o'));
      seenB.add(await decideByKey(b, 'o'));
    }
    seenA.add(await currentItem(a));
    seenB.add(await currentItem(b));
    expect([...seenA].filter((id) => seenB.has(id))).toEqual([]);
    const { rows } = await product.sql.query(
      `SELECT inspection_id FROM reviews GROUP BY inspection_id HAVING count(DISTINCT reviewer_id) > 1`,
    );
    expect(rows).toEqual([]);
  });

  it('shows the shortcut sheet on ? and triages a grid: select several, mark all OK', async () => {
    const page = await newPage();
    await signIn(page, product.url, product.people.qa2);
    await currentItem(page);
    await page.keyboard.press('Shift+Slash');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, '04-shortcut-sheet');
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'hidden' });

    const before = (await reviewsBy(product.people.qa2.id)).length;
    await page.keyboard.press('g');
    await page.waitForURL(/mode=grid/);
    const tiles = page.getByTestId('grid-item');
    await tiles.first().waitFor();
    await tiles.nth(0).focus();
    await page.keyboard.press('Space');
    await tiles.nth(1).focus();
    await page.keyboard.press('Space');
    await expect(tiles.nth(1).getAttribute('aria-pressed')).resolves.toBe('true');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, '05-grid-triage');
    await page.getByRole('button', { name: 'Mark 2 selected OK' }).click();
    await page.getByText('Marked 2 items OK.').waitFor({ state: 'attached' });
    const after = await reviewsBy(product.people.qa2.id);
    expect(after.length).toBe(before + 2);
    expect(after.slice(-2).every((r) => r.decision === 'ok')).toBe(true);
  });
});
