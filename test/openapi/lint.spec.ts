import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../support/processes';

const CLI = path.join(REPO_ROOT, 'dist', 'apps', 'api', 'src', 'openapi', 'openapi.cli.js');
const REDOCLY = path.join(REPO_ROOT, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');
/** Where .redocly.lint-ignore.yaml expects the document (its keys are paths relative to the repository). */
const DOCUMENT = path.join(REPO_ROOT, 'dist', 'openapi.json');

interface LintProblem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: { pointer: string }[];
}

/**
 * The API's OpenAPI document (as /api/docs.json serves it, built without a database) passes Redocly's recommended
 * rules (redocly.yaml) with no error and no warning. The linter runs offline: telemetry and the update check off.
 */
describe('OpenAPI lint (Redocly, recommended rules)', () => {
  const run = promisify(execFile);
  let document: string;

  beforeAll(async () => {
    ({ stdout: document } = await run(process.execPath, [CLI, '--json'], {
      cwd: REPO_ROOT,
      maxBuffer: 64 * 1024 * 1024,
    }));
  }, 60_000);

  it('documents every 4xx answer with the ApiError body', () => {
    type Response = { content?: Record<string, { schema?: { $ref?: string } }> };
    const paths = (
      JSON.parse(document) as {
        paths: Record<string, Record<string, { responses: Record<string, Response> }>>;
      }
    ).paths;
    const wrong: string[] = [];
    for (const [route, methods] of Object.entries(paths))
      for (const [method, operation] of Object.entries(methods))
        for (const [status, response] of Object.entries(operation.responses))
          if (
            /^4\d\d$/.test(status) &&
            response.content?.['application/json']?.schema?.$ref !== '#/components/schemas/ApiErrorDto'
          )
            wrong.push(`${method.toUpperCase()} ${route} ${status}`);
    expect(wrong).toEqual([]);
  });

  it('finds 0 errors and 0 warnings in the API document', async () => {
    await mkdir(path.dirname(DOCUMENT), { recursive: true });
    await writeFile(DOCUMENT, document);

    const lint = await run(
      process.execPath,
      [REDOCLY, 'lint', path.relative(REPO_ROOT, DOCUMENT), '--config', 'redocly.yaml', '--format', 'json'],
      {
        cwd: REPO_ROOT,
        maxBuffer: 64 * 1024 * 1024,
        env: {
          ...process.env,
          REDOCLY_TELEMETRY: 'off',
          REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
          NO_COLOR: '1',
        },
      },
    ).catch((error: Error & { stdout?: string; stderr?: string }) => {
      // A failed lint exits 1 with its report on stdout: read it all the same.
      if (!error.stdout) throw new Error(`redocly did not run: ${error.stderr || error.message}`);
      return { stdout: error.stdout, stderr: error.stderr ?? '' };
    });
    const report = JSON.parse(lint.stdout) as { totals: Record<string, number>; problems: LintProblem[] };
    const problems = report.problems
      .filter((p) => p.severity === 'error' || p.severity === 'warn')
      .map((p) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`);
    expect(problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    // The ignore file holds only the health probes' missing 4xx (they take no input): nothing else is hidden.
    expect(report.totals.ignored).toBe(2);
  }, 120_000);
});
