import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { datasetImages } from '../support/datasets';
import { waitFor } from '../support/processes';
import { CONTEXT_OPTIONS, launchBrowser, screenshot, seriousViolations, signIn } from './support/browser';
import { type Person, type Product, startProduct } from './support/product';

const IMAGE = datasetImages('magnetic-tile', 'crack', 1)[0].bytes;

/** The key a camera would use, posted with a real tile image as the camera API takes it. */
async function uploadWith(url: string, key: string, serial: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}/api/v1/inspections?serial=${serial}`, {
    method: 'POST',
    headers: { 'x-api-key': key, 'content-type': 'image/jpeg' },
    body: IMAGE,
  });
  return { status: response.status, body: await response.json() };
}

/** What a page's own session may call: the server's answer to `fetch` with its cookie and CSRF token. */
function statusesFromPage(page: Page, calls: [method: string, path: string, body?: unknown][]) {
  return page.evaluate<number[]>(`(async () => {
    const session = await (await fetch('/api/v1/auth/session')).json();
    const statuses = [];
    for (const [method, path, body] of ${JSON.stringify(calls)}) {
      const response = await fetch(path, {
        method,
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
        body: method === 'GET' ? undefined : JSON.stringify(body ?? {}),
      });
      statuses.push(response.status);
    }
    return statuses;
  })()`);
}

/** Administration in a real browser: lines, cameras and keys, people, the audit log, and what qa cannot do. */
describe('administration pages (browser)', () => {
  let product: Product;
  let browser: Browser;
  let receiver: Server;
  let receiverUrl: string;
  const hooks: { event: string; signature: string }[] = [];
  const contexts: BrowserContext[] = [];
  const newPage = async (clipboard = false) => {
    const context = await browser.newContext({
      ...CONTEXT_OPTIONS,
      ...(clipboard ? { permissions: ['clipboard-read', 'clipboard-write'] } : {}),
    });
    contexts.push(context);
    const page = await context.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    return page;
  };

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        hooks.push({
          event: String(request.headers['x-linescope-event']),
          signature: String(request.headers['x-linescope-signature']),
        });
        response.statusCode = 204;
        response.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    product = await startProduct();
    browser = await launchBrowser();
  }, 180_000);
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
  });
  afterAll(async () => {
    receiver?.close();
    await browser?.close();
    await product?.stop();
  });

  it('creates a line and a camera, copies the key shown once, and a real upload with it is accepted', async () => {
    const page = await newPage(true);
    await signIn(page, product.url, product.people.admin, '/admin/lines');
    await page.getByRole('link', { name: 'Administration' }).waitFor();
    await page.getByRole('link', { name: product.lineName }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, '20-admin-lines');

    await page.locator('#line-name').fill('press-2');
    await page.locator('#line-mode').selectOption('sync');
    await page.locator('#line-deadline').fill('5000');
    await page.getByRole('button', { name: 'Create line' }).click();
    await page.waitForURL(/\/admin\/lines\/[0-9a-f-]{36}$/);
    const lineId = page.url().split('/').pop()!;
    await page.getByRole('heading', { name: 'Line press-2' }).waitFor();

    await page.locator('#camera-name').fill('cam-side');
    await page.getByRole('button', { name: 'Create camera' }).click();
    await page.getByTestId('secret-reveal').waitFor();
    const shown = (await page.getByTestId('secret-value').textContent())!;
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByText('Copied to the clipboard.').waitFor();
    const copied = await page.evaluate<string>('navigator.clipboard.readText()');
    expect(copied).toBe(shown);
    expect(copied).toMatch(/^lsk_/);
    const row = page.getByTestId('camera-row').filter({ hasText: 'cam-side' });
    await expect(row.textContent()).resolves.toContain('never');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, '21-admin-line-camera-key');

    // A real upload with the copied key, to the new line's camera.
    const upload = await uploadWith(product.url, copied, 'ADMIN-1');
    expect(upload.status).toBeGreaterThanOrEqual(200);
    expect(upload.status).toBeLessThan(300);
    const stored = await product.sql.query(
      `SELECT i.line_id, c.name FROM inspections i JOIN cameras c ON c.id = i.camera_id WHERE i.id = $1`,
      [upload.body.id],
    );
    expect(stored.rows).toEqual([{ line_id: lineId, name: 'cam-side' }]);
    // Done with the key: it leaves the page, and is never shown again.
    await page.getByRole('button', { name: 'Done' }).click();
    await waitFor(
      async () => {
        await page.reload();
        await row.waitFor();
        return !(await row.textContent())?.includes('never');
      },
      15_000,
      'last seen shown',
    );
    expect(await page.content()).not.toContain(copied);

    // Settings: overrides, defect types and a webhook, with a test event the receiver gets.
    await page.locator('#s-threshold').fill('0.6');
    await page.locator('#s-low').fill('0.4');
    await page.locator('#s-high').fill('0.8');
    await page.locator('#s-defects').fill('crack, blowhole');
    await page.locator('#s-webhook').fill(receiverUrl);
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('region', { name: /Webhook signing secret/ }).waitFor();
    const line = await product.call('GET', `/api/v1/lines/${lineId}`, product.adminToken);
    expect(line.body).toMatchObject({
      operatingThreshold: 0.6,
      uncertainLow: 0.4,
      uncertainHigh: 0.8,
      defectTypes: ['crack', 'blowhole'],
      webhookUrl: receiverUrl,
    });
    await page.getByRole('button', { name: 'Send test event' }).click();
    await expect(
      page.getByTestId('webhook-result').filter({ hasText: 'Delivered' }).textContent(),
    ).resolves.toMatch(/Delivered: HTTP 204 in \d+ ms/);
    expect(hooks.filter((hook) => hook.event === 'test')).toHaveLength(1);
    expect(hooks[0].signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, '22-admin-line-settings');

    // Rotate: a new key shown once; the copied one stops working at once. Then revoke the new one.
    await row.getByRole('button', { name: /Rotate key of/ }).click();
    const reveal = page.getByRole('region', { name: /New API key of camera cam-side/ });
    const rotated = (await reveal.getByTestId('secret-value').textContent())!;
    expect(rotated).not.toBe(copied);
    expect((await uploadWith(product.url, copied, 'ADMIN-2')).status).toBe(401);
    expect((await uploadWith(product.url, rotated, 'ADMIN-3')).status).toBeLessThan(300);
    await row.getByRole('button', { name: /Revoke key/ }).click();
    await row.getByText('no active key').waitFor();
    expect((await uploadWith(product.url, rotated, 'ADMIN-4')).status).toBe(401);
  });

  it('creates a person, resets their password, disables them, and their session stops working', async () => {
    const admin = await newPage(true);
    await signIn(admin, product.url, product.people.admin, '/admin/people');
    await admin.locator('#person-email').fill('new.person@example.com');
    await admin.locator('#person-name').fill('New Person');
    await admin.locator('#person-role').selectOption('qa');
    await admin.getByRole('button', { name: 'Add person' }).click();
    await admin.getByRole('region', { name: /Temporary password of new.person@example.com/ }).waitFor();
    const temporary = (await admin.getByTestId('secret-value').textContent())!;
    const row = admin.locator('[data-testid="person-row"][data-email="new.person@example.com"]');
    await expect(row.textContent()).resolves.toContain('temporary password');

    // The person signs in with it and must choose a password before anything else.
    const person: Person = { email: 'new.person@example.com', password: temporary, token: '', id: '' };
    const theirs = await newPage();
    await signIn(theirs, product.url, person, '/review');
    await theirs.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    expect(await seriousViolations(theirs)).toEqual([]);
    await screenshot(theirs, '23-change-temporary-password');
    await theirs.getByLabel('Temporary password').fill(temporary);
    await theirs.getByLabel(/New password/).fill('my own passphrase 1');
    await theirs.getByRole('button', { name: 'Set my password' }).click();
    await theirs.getByRole('heading', { name: 'Choose a new password' }).waitFor({ state: 'detached' });
    await theirs.getByRole('link', { name: 'Review' }).waitFor();

    // Role change from the table, held by the server.
    await row.getByLabel(/Role of/).selectOption('ml_engineer');
    await waitFor(
      async () =>
        (await product.sql.query(`SELECT role FROM users WHERE email = $1`, [person.email])).rows[0].role ===
        'ml_engineer',
      10_000,
      'role changed',
    );

    // Reset: a new temporary password, shown once; their session ends.
    await admin.getByRole('button', { name: 'Done' }).click();
    await row.getByRole('button', { name: /Reset password of/ }).click();
    await admin.getByRole('region', { name: /Temporary password of new.person@example.com/ }).waitFor();
    const second = (await admin.getByTestId('secret-value').textContent())!;
    expect(second).not.toBe(temporary);
    expect(await theirs.evaluate(`fetch('/api/v1/auth/session').then((r) => r.status)`)).toBe(401);
    const again = await newPage();
    await signIn(again, product.url, { ...person, password: second }, '/review');
    await again.getByLabel('Temporary password').fill(second);
    await again.getByLabel(/New password/).fill('my own passphrase 2');
    await again.getByRole('button', { name: 'Set my password' }).click();
    await again.getByRole('heading', { name: 'Choose a new password' }).waitFor({ state: 'detached' });
    expect(await again.evaluate(`fetch('/api/v1/inspections').then((r) => r.status)`)).toBe(200);

    // Disable: the live session stops at once.
    await row.getByRole('button', { name: /^Disable/ }).click();
    await row.getByRole('button', { name: /^Enable/ }).waitFor();
    expect(await again.evaluate(`fetch('/api/v1/inspections').then((r) => r.status)`)).toBe(401);
    await again.reload();
    await again.waitForURL(/\/signin\?next=/);
    expect(await seriousViolations(admin)).toEqual([]);
    await screenshot(admin, '24-admin-people');
  });

  it('shows the audit log with filters and older pages', async () => {
    // Enough events for a second page.
    for (let i = 0; i < 55; i++)
      await product.call('PATCH', `/api/v1/lines/${product.lineId}`, product.adminToken, {
        description: `edit ${i}`,
      });
    const page = await newPage();
    await signIn(page, product.url, product.people.admin, '/admin/audit');
    await page.getByTestId('audit-row').first().waitFor();
    expect(await page.getByTestId('audit-row').count()).toBe(50);
    await expect(page.getByTestId('audit-row').first().textContent()).resolves.toContain('edit 54');
    await page.getByRole('button', { name: 'Load older events' }).click();
    await waitFor(async () => (await page.getByTestId('audit-row').count()) > 50, 10_000, 'older page');

    await page.getByLabel('Action').fill('user.disable');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/action=user\.disable/);
    await waitFor(async () => (await page.getByTestId('audit-row').count()) === 1, 10_000, 'filtered');
    await expect(page.getByTestId('audit-row').textContent()).resolves.toContain('new.person@example.com');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, '25-admin-audit');

    await page.getByLabel('Actor').selectOption({ label: product.people.qa1.email });
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No events match these filters.').waitFor();
  });

  it('lets a qa user reach none of it: no navigation, no pages, 403 from the server', async () => {
    const page = await newPage();
    await signIn(page, product.url, product.people.qa1, '/review');
    expect(await page.getByRole('link', { name: 'Administration' }).count()).toBe(0);
    for (const path of ['/admin/lines', `/admin/lines/${product.lineId}`, '/admin/people', '/admin/audit']) {
      await page.goto(`${product.url}${path}`);
      await page.getByText('Only administrators can open these pages.').waitFor();
      expect(await page.locator('table').count()).toBe(0);
      expect(await page.getByRole('button', { name: /Create|Add person|Rotate|Reset|Disable/ }).count()).toBe(
        0,
      );
    }
    await screenshot(page, '26-admin-refused-to-qa');
    const cameraId = (await product.sql.query(`SELECT id FROM cameras LIMIT 1`)).rows[0].id as string;
    const statuses = await statusesFromPage(page, [
      ['GET', '/api/v1/users'],
      ['POST', '/api/v1/users', { email: 'x@example.com', displayName: 'x', role: 'admin' }],
      ['PATCH', `/api/v1/users/${product.people.qa1.id}`, { role: 'admin' }],
      ['POST', `/api/v1/users/${product.people.qa2.id}/password-reset`],
      ['GET', '/api/v1/audit-events'],
      ['POST', '/api/v1/lines', { name: 'not-allowed' }],
      ['PATCH', `/api/v1/lines/${product.lineId}`, { description: 'no' }],
      ['POST', `/api/v1/lines/${product.lineId}/webhook/test`],
      ['POST', `/api/v1/lines/${product.lineId}/cameras`, { name: 'not-allowed' }],
      ['GET', `/api/v1/cameras/${cameraId}/keys`],
      ['POST', `/api/v1/cameras/${cameraId}/keys`, {}],
    ]);
    expect(statuses).toEqual(Array(11).fill(403));
    const qa = await product.sql.query(`SELECT role FROM users WHERE id = $1`, [product.people.qa1.id]);
    expect(qa.rows[0].role).toBe('qa');
  });
});
