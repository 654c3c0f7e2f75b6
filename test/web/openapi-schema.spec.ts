import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../support/processes';

const WEB_SCHEMA = path.join(REPO_ROOT, 'apps', 'web', 'src', 'api', 'schema.d.ts');
const CLI = path.join(REPO_ROOT, 'dist', 'apps', 'api', 'src', 'openapi', 'openapi.cli.js');

/**
 * The web console's typed client is generated from the API's controllers, so they cannot drift silently. The
 * built generator runs as a process (openapi-typescript loads ES modules that jest's CommonJS runtime cannot).
 */
describe('web client schema', () => {
  it('is what the current server code produces (run `npm run openapi` after changing the API)', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, '--stdout'], {
      cwd: REPO_ROOT,
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(stdout).toContain('export interface paths');
    expect(stdout).toContain('"/api/v1/inspections"');
    const committed = readFileSync(WEB_SCHEMA, 'utf8');
    expect(stdout === committed).toBe(true);
  }, 60_000);
});
