import { execFileSync, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../support/ports';
import { builtEntry, REPO_ROOT, type Running, runNode, waitFor } from '../support/processes';

const READY_WITHIN_MS = 15_000;

/** Whether something accepts connections on the port. */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * The promise (#17): `npm start` on an unchanged built tree builds nothing (tsc's build info, the web
 * console's stamp) and the product is ready within 15 s of the spawn. The data folder is made by a first start, so
 * what is timed is a restart.
 */
describe('npm start on an unchanged built tree', () => {
  let dataDir: string;
  let ports: { api: number; inference: number; trainer: number; database: number };
  const env = () => ({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATA_DIR: dataDir,
    API_PORT: String(ports.api),
    INFERENCE_PORT: String(ports.inference),
    TRAINER_PORT: String(ports.trainer),
    INFERENCE_URLS: `http://127.0.0.1:${ports.inference}`,
    EMBEDDED_DATABASE_PORT: String(ports.database),
    LOG_LEVEL: 'warn',
  });
  const ready = async () => (await fetch(`http://127.0.0.1:${ports.api}/health/ready`)).status === 200;
  const buildInfo = path.join(REPO_ROOT, 'dist', 'build.tsbuildinfo');

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'linescope-restart-'));
    // As root, the embedded PostgreSQL runs as the postgres user, which must be able to enter DATA_DIR.
    await chmod(dataDir, 0o755);
    ports = {
      api: await freePort(),
      inference: await freePort(),
      trainer: await freePort(),
      database: await freePort(),
    };
    // Untimed: the tree built with its build info (a no-op when it already is), and the data folder made.
    execFileSync('npm', ['run', 'build'], { cwd: REPO_ROOT, stdio: 'ignore', timeout: 600_000 });
    const first: Running = runNode(builtEntry('launcher'), env());
    try {
      await waitFor(ready, 60_000, 'the first start ready', first);
    } finally {
      first.child.kill('SIGTERM');
    }
    expect((await first.exited).code).toBe(0);
  }, 720_000);
  afterAll(async () => rm(dataDir, { recursive: true, force: true }));

  it('builds nothing and is ready within 15 s of the spawn', async () => {
    const builtBefore = (await stat(buildInfo)).mtimeMs;
    // Its own process group: npm, its shell and the launcher all get the SIGTERM that stops it.
    const npm = spawn('npm', ['start'], { cwd: REPO_ROOT, env: env(), detached: true, stdio: 'ignore' });
    try {
      const readyAfter = await waitFor(
        ready,
        READY_WITHIN_MS,
        `ready within ${READY_WITHIN_MS} ms of npm start`,
      );
      expect(readyAfter).toBeLessThan(READY_WITHIN_MS);
      expect((await stat(buildInfo)).mtimeMs).toBe(builtBefore);
    } finally {
      process.kill(-npm.pid!, 'SIGTERM');
    }
    // npm itself dies of the signal; the launcher stops the product in order: the API, then the database.
    await waitFor(async () => !(await answers(ports.api)), 60_000, 'the API stopped');
    await waitFor(async () => !(await answers(ports.database)), 60_000, 'the database stopped');
  }, 120_000);
});
