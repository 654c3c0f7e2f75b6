import { readdirSync } from 'node:fs';
import path from 'node:path';
import { type ApiHarness, startApiHarness } from '../support/api-harness';
import { REPO_ROOT } from '../support/processes';

const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

/** The API serves the built console (npm test builds it first) on its own origin. */
describe('web console serving', () => {
  let api: ApiHarness;
  const assets = readdirSync(path.join(REPO_ROOT, 'dist', 'web', 'assets'));

  beforeAll(async () => {
    api = await startApiHarness();
  });
  afterAll(() => api.stop());

  it('serves index.html at / and for client-side routes, revalidated on every visit', async () => {
    for (const route of ['/', '/review?lineId=x', '/inspections/123', '/dashboards/lines/abc']) {
      const response = await api.call('GET', route, { headers: HTML });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(response.body).toContain('<div id="root"></div>');
      expect(response.body).toMatch(/src="\/assets\/index-[\w-]+\.js"/);
    }
  });

  it('serves hashed assets as immutable, and 404 for an unknown one', async () => {
    const script = assets.find((name) => /^index-.*\.js$/.test(name))!;
    const response = await fetch(`${api.url}/assets/${script}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/javascript/);
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await response.text()).length).toBeGreaterThan(1000);
    const missing = await api.call('GET', '/assets/index-nothere.js', { headers: HTML });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ statusCode: 404 });
    const traversal = await fetch(`${api.url}/assets/..%2F..%2Fpackage.json`);
    expect(traversal.status).toBe(404);
  });

  it('leaves the API, health, metrics and non-HTML requests to the API', async () => {
    const unknownApi = await api.call('GET', '/api/v1/nothing-here', { headers: HTML });
    expect(unknownApi).toMatchObject({ status: 404, body: { statusCode: 404 } });
    expect((await api.call('GET', '/health/live', { headers: HTML })).headers.get('content-type')).toMatch(
      /json/,
    );
    const json = await api.call('GET', '/review', { headers: { accept: 'application/json' } });
    expect(json.status).toBe(404);
    const post = await api.call('POST', '/review', { headers: HTML });
    expect(post.status).toBe(404);
    const docs = await api.call('GET', '/api/docs.json');
    expect(docs.body.openapi).toMatch(/^3\./);
  });
});
