import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createMigratedDatabase, type TestDatabase } from '../support/database';
import { freePort } from '../support/ports';
import { builtEntry, runNode, waitFor } from '../support/processes';

/** Node.js 20 is past its end of life: `npm test` and every process it spawns must run on a maintained LTS. */
const OLDEST_MAINTAINED_MAJOR = 22;

function majorOf(version: string): number {
  return Number(version.replace(/^v/, '').split('.')[0]);
}

describe('the Node.js runtime', () => {
  it('runs jest on a maintained LTS', () => {
    expect(majorOf(process.versions.node)).toBeGreaterThanOrEqual(OLDEST_MAINTAINED_MAJOR);
  });

  describe('a spawned app', () => {
    let db: TestDatabase;
    let dataDir: string;
    beforeAll(async () => {
      ({ db } = await createMigratedDatabase());
      dataDir = await mkdtemp(path.join(tmpdir(), 'linescope-runtime-'));
    });
    afterAll(async () => {
      await db.drop();
      await rm(dataDir, { recursive: true, force: true });
    });

    it('runs on the same maintained Node.js as its parent (process.execPath), as the launcher starts it', async () => {
      const port = await freePort();
      const app = runNode(builtEntry('inference'), {
        DATABASE_URL: db.url,
        DATA_DIR: dataDir,
        INFERENCE_PORT: String(port),
        MIGRATIONS_RUN: 'false',
        LOG_LEVEL: 'warn',
      });
      try {
        await waitFor(
          async () => (await fetch(`http://127.0.0.1:${port}/health/live`)).ok,
          30_000,
          'inference /health/live',
          app,
        );
        const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        // prom-client's default metrics report the version of the Node.js running the process.
        const reported = /^linescope_nodejs_version_info\{version="(v[\d.]+)"/m.exec(metrics)?.[1];
        expect(reported).toBe(`v${process.versions.node}`);
        expect(majorOf(reported ?? 'v0')).toBeGreaterThanOrEqual(OLDEST_MAINTAINED_MAJOR);
      } finally {
        app.child.kill('SIGTERM');
      }
      expect((await app.exited).code).toBe(0);
    }, 60_000);
  });
});
