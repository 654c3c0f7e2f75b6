import { type ApiHarness, startApiHarness } from '../support/api-harness';

type Operation = { security?: Record<string, string[]>[]; operationId: string };
type Document = {
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, Record<string, string>> };
};

const schemesOf = (operation: Operation) =>
  (operation.security ?? []).flatMap((entry) => Object.keys(entry)).sort();

describe('OpenAPI document', () => {
  let api: ApiHarness;
  let doc: Document;
  beforeAll(async () => {
    api = await startApiHarness();
    const response = await api.call('GET', '/api/docs.json');
    expect(response.status).toBe(200);
    doc = response.body;
  });
  afterAll(async () => api.stop());

  it('declares the bearer, camera-key, session-cookie and CSRF-header schemes', () => {
    expect(doc.components.securitySchemes).toMatchObject({
      bearer: { type: 'http', scheme: 'bearer' },
      cameraKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
      session: { type: 'apiKey', in: 'cookie', name: 'ls_session' },
      csrf: { type: 'apiKey', in: 'header', name: 'X-CSRF-Token' },
    });
  });

  it('lists a security requirement on exactly the operations that refuse an anonymous caller', async () => {
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    );
    expect(operations.length).toBeGreaterThan(40);
    const mismatches: string[] = [];
    for (const { path, method, operation } of operations) {
      for (const scheme of schemesOf(operation)) expect(doc.components.securitySchemes[scheme]).toBeDefined();
      const route = path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
      const controller = new AbortController();
      const response = await fetch(`${api.url}${route}`, {
        method: method.toUpperCase(),
        headers: method === 'get' ? {} : { 'content-type': 'application/json' },
        body: method === 'get' ? undefined : '{}',
        signal: controller.signal,
      });
      controller.abort();
      const refused = response.status === 401;
      const documented = schemesOf(operation).length > 0;
      if (refused !== documented)
        mismatches.push(
          `${method.toUpperCase()} ${path}: ${response.status}, ${schemesOf(operation).join('+') || 'no security'}`,
        );
    }
    expect(mismatches).toEqual([]);
  });

  it('derives the schemes from who may call: cameras a key, people a token or the cookie', () => {
    expect(schemesOf(doc.paths['/api/v1/inspections'].post)).toEqual(['cameraKey']);
    // A camera lists its own inspections (the role table's decision).
    expect(schemesOf(doc.paths['/api/v1/inspections'].get)).toEqual(['bearer', 'cameraKey', 'session']);
    expect(schemesOf(doc.paths['/api/v1/lines'].get)).toEqual(['bearer', 'session']);
    expect(schemesOf(doc.paths['/api/v1/inspections/{id}'].get)).toEqual(['bearer', 'cameraKey', 'session']);
    // State-changing methods: the session cookie goes with the CSRF header (one requirement, both schemes).
    expect(schemesOf(doc.paths['/api/v1/users'].post)).toEqual(['bearer', 'csrf', 'session']);
    expect(doc.paths['/api/v1/review-queue/claim'].post.security).toEqual([
      { bearer: [] },
      { session: [], csrf: [] },
    ]);
    // Public operations say so: an empty requirement list, not a missing one.
    expect(doc.paths['/api/v1/auth/login'].post.security).toEqual([]);
    expect(doc.paths['/api/v1/files/{token}'].get.security).toEqual([]);
  });
});
