import { type Allowed } from './auth.decorators';

const PEOPLE: Allowed[] = ['admin', 'ml_engineer', 'qa'];
const ENGINEERS: Allowed[] = ['admin', 'ml_engineer'];
const ADMIN: Allowed[] = ['admin'];
const PEOPLE_AND_CAMERA: Allowed[] = ['camera', ...PEOPLE];

export interface RoleTableRow {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  /** Who may call it; 'public' needs no credential (the handler may still check one, e.g. a signed link). */
  allowed: Allowed[] | 'public';
}

/**
 * Every API route and who may call it: the one place authorization is decided. The @Allow of each handler must
 * say the same (a test compares them), the README's table is generated from it, and a test walks every route
 * with every principal against the running API. A camera reads only its own inspections (the service checks).
 * Decisions: QA people read models, shadow reports and training jobs (read-only; they see which model scored
 * what); a camera reads its own inspection list and heatmaps.
 */
export const ROLE_TABLE: RoleTableRow[] = [
  { method: 'POST', path: '/api/v1/auth/login', allowed: 'public' },
  { method: 'GET', path: '/api/v1/auth/session', allowed: 'public' },
  { method: 'POST', path: '/api/v1/auth/logout', allowed: PEOPLE },
  { method: 'POST', path: '/api/v1/auth/password', allowed: PEOPLE },
  { method: 'GET', path: '/api/v1/users/me', allowed: PEOPLE },
  { method: 'POST', path: '/api/v1/users', allowed: ADMIN },
  { method: 'GET', path: '/api/v1/users', allowed: ADMIN },
  { method: 'PATCH', path: '/api/v1/users/:id', allowed: ADMIN },
  { method: 'POST', path: '/api/v1/users/:id/password-reset', allowed: ADMIN },
  { method: 'POST', path: '/api/v1/users/:id/tokens', allowed: PEOPLE },
  { method: 'POST', path: '/api/v1/lines', allowed: ADMIN },
  { method: 'GET', path: '/api/v1/lines', allowed: PEOPLE },
  { method: 'GET', path: '/api/v1/lines/:id', allowed: PEOPLE },
  { method: 'PATCH', path: '/api/v1/lines/:id', allowed: ADMIN },
  { method: 'POST', path: '/api/v1/lines/:id/webhook/test', allowed: ADMIN },
  { method: 'POST', path: '/api/v1/lines/:id/cameras', allowed: ADMIN },
  { method: 'GET', path: '/api/v1/lines/:id/cameras', allowed: PEOPLE },
  { method: 'GET', path: '/api/v1/cameras/:id/keys', allowed: ADMIN },
  { method: 'POST', path: '/api/v1/cameras/:id/keys', allowed: ADMIN },
  { method: 'POST', path: '/api/v1/cameras/:id/keys/:keyId/revoke', allowed: ADMIN },
  { method: 'POST', path: '/api/v1/inspections', allowed: ['camera'] },
  { method: 'GET', path: '/api/v1/inspections', allowed: PEOPLE_AND_CAMERA },
  { method: 'GET', path: '/api/v1/inspections/:id', allowed: PEOPLE_AND_CAMERA },
  { method: 'GET', path: '/api/v1/inspections/:id/links', allowed: PEOPLE_AND_CAMERA },
  { method: 'GET', path: '/api/v1/inspections/:id/image', allowed: PEOPLE_AND_CAMERA },
  { method: 'GET', path: '/api/v1/inspections/:id/thumbnail', allowed: PEOPLE_AND_CAMERA },
  { method: 'GET', path: '/api/v1/inspections/:id/heatmap', allowed: PEOPLE_AND_CAMERA },
  { method: 'POST', path: '/api/v1/inspections/:id/reviews', allowed: PEOPLE },
  { method: 'GET', path: '/api/v1/inspections/:id/reviews', allowed: PEOPLE },
  { method: 'GET', path: '/api/v1/files/:token', allowed: 'public' },
  { method: 'GET', path: '/api/v1/review-queue/summary', allowed: PEOPLE },
  { method: 'POST', path: '/api/v1/review-queue/claim', allowed: PEOPLE },
  { method: 'POST', path: '/api/v1/review-queue/release', allowed: PEOPLE },
  { method: 'GET', path: '/api/v1/events', allowed: PEOPLE },
  { method: 'GET', path: '/api/v1/dashboards/overview', allowed: PEOPLE },
  { method: 'GET', path: '/api/v1/dashboards/lines/:lineId', allowed: PEOPLE },
  { method: 'POST', path: '/api/v1/training-jobs', allowed: ENGINEERS },
  { method: 'GET', path: '/api/v1/training-jobs', allowed: PEOPLE },
  { method: 'GET', path: '/api/v1/training-jobs/:id', allowed: PEOPLE },
  { method: 'POST', path: '/api/v1/training-jobs/:id/cancel', allowed: ENGINEERS },
  { method: 'GET', path: '/api/v1/training/config-schema', allowed: ENGINEERS },
  { method: 'GET', path: '/api/v1/training/datasets', allowed: ENGINEERS },
  { method: 'GET', path: '/api/v1/training/presets', allowed: ENGINEERS },
  { method: 'GET', path: '/api/v1/models', allowed: PEOPLE },
  { method: 'GET', path: '/api/v1/models/:id', allowed: PEOPLE },
  { method: 'GET', path: '/api/v1/models/:id/curves', allowed: PEOPLE },
  { method: 'GET', path: '/api/v1/models/:id/config', allowed: PEOPLE },
  { method: 'GET', path: '/api/v1/models/:id/evaluation', allowed: PEOPLE },
  { method: 'POST', path: '/api/v1/models/:id/promote', allowed: ENGINEERS },
  { method: 'POST', path: '/api/v1/models/rollback', allowed: ENGINEERS },
  { method: 'POST', path: '/api/v1/models/line-override', allowed: ENGINEERS },
  { method: 'POST', path: '/api/v1/models/import', allowed: ENGINEERS },
  { method: 'POST', path: '/api/v1/models/:id/shadow', allowed: ENGINEERS },
  { method: 'GET', path: '/api/v1/models/:id/shadow-report', allowed: PEOPLE },
  { method: 'GET', path: '/api/v1/audit-events', allowed: ADMIN },
  { method: 'GET', path: '/api/v1/retention/preview', allowed: ENGINEERS },
  { method: 'POST', path: '/api/v1/retention/run', allowed: ADMIN },
  { method: 'GET', path: '/api/v1/storage', allowed: ENGINEERS },
];

const WHO: Record<Allowed, string> = {
  admin: 'admin',
  ml_engineer: 'ml_engineer',
  qa: 'qa',
  camera: 'camera',
};

/** The README's role table, generated (a test checks the README holds exactly this). */
export function renderRoleTable(): string {
  const columns = ['anonymous', 'camera', 'qa', 'ml_engineer', 'admin'];
  const lines = [`| route | ${columns.join(' | ')} |`, `| --- | ${columns.map(() => ':-:').join(' | ')} |`];
  for (const row of ROLE_TABLE) {
    const cells = columns.map((who) =>
      row.allowed === 'public' ? 'yes' : row.allowed.some((a) => WHO[a] === who) ? 'yes' : '',
    );
    lines.push(`| \`${row.method} ${row.path}\` | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}
