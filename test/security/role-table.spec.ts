import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { readdirSync, readFileSync } from 'node:fs';
import { AuditEventsController } from '../../apps/api/src/controllers/audit-events.controller';
import { AuthController } from '../../apps/api/src/controllers/auth.controller';
import { CamerasController } from '../../apps/api/src/controllers/cameras.controller';
import { DashboardsController } from '../../apps/api/src/controllers/dashboards.controller';
import { EventsController } from '../../apps/api/src/controllers/events.controller';
import { FilesController } from '../../apps/api/src/controllers/files.controller';
import { InspectionsController } from '../../apps/api/src/controllers/inspections.controller';
import { LinesController } from '../../apps/api/src/controllers/lines.controller';
import { ModelsController } from '../../apps/api/src/controllers/models.controller';
import { RetentionController } from '../../apps/api/src/controllers/retention.controller';
import { ReviewQueueController } from '../../apps/api/src/controllers/review-queue.controller';
import { ReviewsController } from '../../apps/api/src/controllers/reviews.controller';
import { TrainingJobsController } from '../../apps/api/src/controllers/training-jobs.controller';
import { TrainingController } from '../../apps/api/src/controllers/training.controller';
import { UsersController } from '../../apps/api/src/controllers/users.controller';
import path from 'node:path';
import { ALLOWED_PRINCIPALS, type Allowed } from '../../apps/api/src/auth/auth.decorators';
import { ROLE_TABLE, renderRoleTable } from '../../apps/api/src/auth/role-table';
import { type ApiHarness, startApiHarness } from '../support/api-harness';
import { createLineWithCamera } from '../support/console-seed';
import { REPO_ROOT } from '../support/processes';

const CONTROLLERS = path.join(REPO_ROOT, 'apps/api/src/controllers');
const CONTROLLER_CLASSES: object[] = [
  AuditEventsController,
  AuthController,
  CamerasController,
  DashboardsController,
  EventsController,
  FilesController,
  InspectionsController,
  LinesController,
  ModelsController,
  RetentionController,
  ReviewQueueController,
  ReviewsController,
  TrainingJobsController,
  TrainingController,
  UsersController,
];

/** Every handler of the API's controllers with its route and @Allow metadata, read as Nest reads them. */
function declaredRoutes(): { route: string; allowed: Allowed[] | 'public' }[] {
  const routes: { route: string; allowed: Allowed[] | 'public' }[] = [];
  {
    for (const controller of CONTROLLER_CLASSES) {
      const base = String(Reflect.getMetadata(PATH_METADATA, controller));
      const prototype = (controller as { prototype: Record<string, unknown> }).prototype;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[name];
        if (typeof handler !== 'function' || !Reflect.hasMetadata(METHOD_METADATA, handler)) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
        const sub = String(Reflect.getMetadata(PATH_METADATA, handler));
        const allowed = (Reflect.getMetadata(ALLOWED_PRINCIPALS, handler) ??
          Reflect.getMetadata(ALLOWED_PRINCIPALS, controller)) as Allowed[] | undefined;
        const route = `/${[base, sub].filter((p) => p && p !== '/').join('/')}`.replace(/\/+/g, '/');
        routes.push({ route: `${method} ${route}`, allowed: allowed ? [...allowed].sort() : 'public' });
      }
    }
  }
  return routes.sort((a, b) => a.route.localeCompare(b.route));
}

const tableRoutes = () =>
  ROLE_TABLE.map((row) => ({
    route: `${row.method} ${row.path}`,
    allowed: row.allowed === 'public' ? ('public' as const) : [...row.allowed].sort(),
  })).sort((a, b) => a.route.localeCompare(b.route));

describe('the role table', () => {
  it("is what every handler's @Allow says, route for route", () => {
    // A new controller file must be added to CONTROLLER_CLASSES above.
    expect(readdirSync(CONTROLLERS).filter((f) => f.endsWith('.controller.ts'))).toHaveLength(
      CONTROLLER_CLASSES.length,
    );
    expect(declaredRoutes()).toEqual(tableRoutes());
  });

  it('is the table the README shows', () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const match = /<!-- role-table:start -->\n([\s\S]*?)\n<!-- role-table:end -->/.exec(readme);
    expect(match?.[1]).toBe(renderRoleTable());
  });

  describe('against the running API (every route × anonymous, camera, qa, ml_engineer, admin)', () => {
    let api: ApiHarness;
    const credentials: Record<string, Record<string, string>> = { anonymous: {} };
    beforeAll(async () => {
      api = await startApiHarness();
      const { cameraKey } = await createLineWithCamera(api, 'matrix');
      credentials.camera = { 'x-api-key': cameraKey };
      credentials.admin = { authorization: `Bearer ${api.adminToken}` };
      for (const role of ['qa', 'ml_engineer']) {
        const created = await api.call('POST', '/api/v1/users', {
          token: api.adminToken,
          json: { email: `${role}@example.com`, displayName: role, role },
        });
        credentials[role] = { authorization: `Bearer ${created.body.token}` };
      }
    });
    afterAll(async () => api.stop());

    it('lets in exactly whom the table names', async () => {
      const seen: string[] = [];
      const expected: string[] = [];
      for (const row of ROLE_TABLE) {
        const url =
          api.url +
          row.path
            .replace(/:(id|lineId|keyId)/g, '00000000-0000-4000-8000-000000000000')
            .replace(':token', 'x');
        for (const [who, headers] of Object.entries(credentials)) {
          const permitted = row.allowed === 'public' || row.allowed.some((a) => a === who);
          const abort = new AbortController();
          const response = await fetch(url, {
            method: row.method,
            headers: { ...headers, ...(row.method === 'GET' ? {} : { 'content-type': 'application/json' }) },
            body: row.method === 'GET' ? undefined : '{}',
            signal: abort.signal,
          });
          const text = response.headers.get('content-type')?.includes('event-stream')
            ? ''
            : await response.text();
          abort.abort();
          // Denied by the guard (not by the handler, e.g. GET /auth/session without a cookie): its two answers.
          const denied =
            (response.status === 401 && /send an API key/.test(text)) ||
            (response.status === 403 && /cannot call this endpoint/.test(text));
          seen.push(`${row.method} ${row.path} ${who}: ${denied ? 'denied' : 'allowed'}`);
          expected.push(`${row.method} ${row.path} ${who}: ${permitted ? 'allowed' : 'denied'}`);
        }
      }
      expect(seen).toEqual(expected);
      expect(seen).toHaveLength(ROLE_TABLE.length * 5);
    });
  });
});
