import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ADMIN_DATABASE_URL } from '../support/database';
import { freePort } from '../support/ports';
import { builtEntry, runNode, waitFor } from '../support/processes';

/** The real entry points, as an operator runs them. */
describe('starting the product', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'linescope-start-'));
    // As root, the embedded PostgreSQL runs as the postgres user, which must be able to enter DATA_DIR.
    await chmod(dataDir, 0o755);
  });
  afterEach(async () => rm(dataDir, { recursive: true, force: true }));

  it('starts everything with no configuration (embedded PostgreSQL, filesystem store) and stops cleanly on SIGTERM', async () => {
    const [api, inference, trainer] = [await freePort(), await freePort(), await freePort()];
    const run = runNode(builtEntry('launcher'), {
      DATA_DIR: dataDir,
      API_PORT: String(api),
      INFERENCE_PORT: String(inference),
      TRAINER_PORT: String(trainer),
      LOG_LEVEL: 'warn',
    });
    try {
      const readyAfter = await waitFor(
        async () => (await fetch(`http://127.0.0.1:${api}/health/ready`)).status === 200,
        30_000,
        'GET /health/ready = 200',
        run,
      );
      expect(readyAfter).toBeLessThan(30_000);
      for (const port of [inference, trainer]) {
        await waitFor(
          async () => (await fetch(`http://127.0.0.1:${port}/health/ready`)).ok,
          15_000,
          `port ${port} ready`,
        );
      }
      const report = (await (await fetch(`http://127.0.0.1:${api}/health/ready`)).json()) as {
        checks: Record<string, { status: string }>;
      };
      expect(Object.keys(report.checks).sort()).toEqual(['database', 'queue', 'storage']);
    } finally {
      run.child.kill('SIGTERM');
    }
    const finished = await run.exited;
    expect(finished.code).toBe(0);
    await expect(fetch(`http://127.0.0.1:${api}/health/live`)).rejects.toThrow();
  }, 90_000);

  it.each([
    [
      'an unreachable database URL',
      'api',
      { DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/linescope' },
      /^linescope-api: cannot start: cannot reach PostgreSQL at postgresql:\/\/postgres@127\.0\.0\.1:1\/linescope: connection refused$/,
    ],
    [
      'a database URL with a password that must not be printed',
      'trainer',
      { DATABASE_URL: 'postgresql://u:secret@127.0.0.1:1/x' },
      /^linescope-trainer: cannot start: cannot reach PostgreSQL at postgresql:\/\/u:\*\*\*@127\.0\.0\.1:1\/x: connection refused$/,
    ],
    [
      'a malformed S3 endpoint',
      'inference',
      { DATABASE_URL: ADMIN_DATABASE_URL, S3_ENDPOINT: 'minio:9000', S3_ACCESS_KEY: 'a', S3_SECRET_KEY: 'b' },
      /^linescope-inference: cannot start: invalid configuration: S3_ENDPOINT S3 endpoint "minio:9000" must use http or https$/,
    ],
    [
      'an S3 server that does not answer',
      'api',
      {
        DATABASE_URL: ADMIN_DATABASE_URL,
        MIGRATIONS_RUN: 'false',
        S3_ENDPOINT: 'http://127.0.0.1:1',
        S3_ACCESS_KEY: 'a',
        S3_SECRET_KEY: 'b',
      },
      /^linescope-api: cannot start: cannot use the S3 bucket linescope at http:\/\/127\.0\.0\.1:1: .+$/,
    ],
    [
      'no DATABASE_URL for a single app',
      'api',
      {},
      /^linescope-api: cannot start: DATABASE_URL is not set: `npm start` runs the whole product with an embedded PostgreSQL; an app started on its own needs DATABASE_URL$/,
    ],
    [
      'an unreachable database URL given to the launcher',
      'launcher',
      { DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/linescope' },
      /^linescope: cannot start: cannot reach PostgreSQL at .*: connection refused$/,
    ],
  ])(
    'refuses %s with one clear line and exit code 1',
    async (_what, app, env, expected) => {
      const finished = await runNode(builtEntry(app), {
        DATA_DIR: dataDir,
        API_PORT: '0',
        LOG_LEVEL: 'silent',
        ...env,
      }).exited;
      expect(finished.code).toBe(1);
      // The launcher may say what it is doing first; the reason it stopped is one line, and the last.
      const lines = finished.stderr.trim().split('\n');
      expect(lines.filter((line) => line.includes('cannot start'))).toHaveLength(1);
      expect(lines[lines.length - 1]).toMatch(expected);
      expect(finished.stderr).not.toMatch(/\n\s+at /);
    },
    30_000,
  );
});
