import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../support/ports';
import { builtEntry, childProcesses, isRunning, type Running, runNode, waitFor } from '../support/processes';

const SHUTDOWN_TIMEOUT_MS = 20_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `npm start` as a supervisor, with real processes and real signals. As root, the data folder is made under /root
 * (which the postgres user cannot enter), as for a clone in root's home.
 */
describe('the launcher supervises the product', () => {
  const asRoot = process.getuid?.() === 0;
  let dataDir: string;
  let run: Running;
  let ports: { api: number; inference: number; trainer: number; database: number };

  const child = (part: 'api' | 'inference' | 'trainer' | 'postgres') =>
    childProcesses(run.child.pid!).find((entry) =>
      part === 'postgres'
        ? entry.command.includes('/bin/postgres')
        : entry.command.includes(`/${part}/src/main.js`),
    );
  const ready = async (port: number) => (await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200;
  const state = async () =>
    JSON.parse(await readFile(path.join(dataDir, 'embedded-database.json'), 'utf8')) as {
      port: number;
      password: string;
      clusterDir: string;
      systemIdentifier: string;
    };

  beforeAll(async () => {
    dataDir = await mkdtemp(
      asRoot ? '/root/linescope-launcher-' : path.join(tmpdir(), 'linescope-launcher-'),
    );
    ports = {
      api: await freePort(),
      inference: await freePort(),
      trainer: await freePort(),
      database: await freePort(),
    };
    run = runNode(builtEntry('launcher'), {
      DATA_DIR: dataDir,
      API_PORT: String(ports.api),
      INFERENCE_PORT: String(ports.inference),
      TRAINER_PORT: String(ports.trainer),
      INFERENCE_URLS: `http://127.0.0.1:${ports.inference}`,
      EMBEDDED_DATABASE_PORT: String(ports.database),
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      LOG_LEVEL: 'warn',
    });
    await waitFor(() => ready(ports.api), 60_000, 'the API ready', run);
    await waitFor(() => ready(ports.inference), 30_000, 'inference ready', run);
  }, 90_000);

  afterAll(async () => {
    if (run.child.exitCode === null) {
      for (const entry of childProcesses(run.child.pid!)) process.kill(entry.pid, 'SIGKILL');
      run.child.kill('SIGKILL');
    }
    const clusterDir = await state().then(
      (s) => s.clusterDir,
      () => undefined,
    );
    if (clusterDir && !clusterDir.startsWith(dataDir))
      await rm(path.dirname(clusterDir), { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps the database in a folder of this installation: its own login (0600), port and system identifier', async () => {
    const recorded = await state();
    const file = await stat(path.join(dataDir, 'embedded-database.json'));
    expect(file.mode & 0o777).toBe(0o600);
    expect(recorded.port).toBe(ports.database);
    expect(recorded.password).not.toBe('linescope');
    expect(recorded.password.length).toBeGreaterThanOrEqual(24);
    expect(recorded.systemIdentifier).toMatch(/^\d+$/);
    const cluster = await stat(recorded.clusterDir);
    expect(cluster.mode & 0o777).toBe(0o700);
    if (asRoot) {
      // root's home is closed to the postgres user: the cluster lives where that user can reach it.
      expect((await stat('/root')).mode & 0o005).toBe(0);
      expect(recorded.clusterDir.startsWith('/var/lib/linescope/')).toBe(true);
      expect(cluster.uid).not.toBe(0);
    } else {
      expect(recorded.clusterDir).toBe(path.join(dataDir, 'postgres'));
    }
  });

  it('restarts an inference child SIGKILLed twice within 15 s while the API keeps answering', async () => {
    const liveFailures: string[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const status = await fetch(`http://127.0.0.1:${ports.api}/health/live`).then(
          (r) => String(r.status),
          (error: Error) => error.message,
        );
        if (status !== '200') liveFailures.push(status);
        await sleep(200);
      }
    })();
    try {
      const first = child('inference')!.pid;
      process.kill(first, 'SIGKILL');
      await waitFor(
        async () => (child('inference')?.pid ?? first) !== first,
        10_000,
        'inference restarted once',
      );
      await sleep(3_000);
      const second = child('inference')!.pid;
      process.kill(second, 'SIGKILL');
      await waitFor(
        async () => (child('inference')?.pid ?? second) !== second,
        15_000,
        'inference restarted twice',
      );
      await waitFor(() => ready(ports.inference), 45_000, 'inference ready again', run);
      expect(run.child.exitCode).toBeNull();
      expect(child('api')).toBeDefined();
      expect(await ready(ports.api)).toBe(true);
    } finally {
      polling = false;
      await poller;
    }
    expect(liveFailures).toEqual([]);
  }, 90_000);

  it('restarts the embedded PostgreSQL when it is SIGKILLed; the apps are ready again on the same data', async () => {
    const token = (await readFile(path.join(dataDir, 'initial-admin-token'), 'utf8')).trim();
    const before = child('postgres')!.pid;
    process.kill(before, 'SIGKILL');
    await waitFor(
      async () => !(await ready(ports.api)),
      10_000,
      'the API not ready while the database is down',
    );
    await waitFor(
      async () => (child('postgres')?.pid ?? before) !== before,
      30_000,
      'postgres restarted',
      run,
    );
    await waitFor(() => ready(ports.api), 45_000, 'the API ready again', run);
    await waitFor(() => ready(ports.trainer), 45_000, 'the trainer ready again', run);
    const lines = await fetch(`http://127.0.0.1:${ports.api}/api/v1/lines`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(lines.status).toBe(200);
    expect((await state()).port).toBe(ports.database);
    expect(run.child.exitCode).toBeNull();
  }, 120_000);

  it('stops on SIGTERM in order (api, then inference and trainer, then the database) and exits 0 in time', async () => {
    const pids = {
      api: child('api')!.pid,
      inference: child('inference')!.pid,
      trainer: child('trainer')!.pid,
      postgres: child('postgres')!.pid,
    };
    const goneAt: Partial<Record<keyof typeof pids, number>> = {};
    const started = Date.now();
    run.child.kill('SIGTERM');
    while (run.child.exitCode === null && Date.now() - started < SHUTDOWN_TIMEOUT_MS + 5_000) {
      for (const [name, pid] of Object.entries(pids) as [keyof typeof pids, number][])
        if (goneAt[name] === undefined && !isRunning(pid)) goneAt[name] = Date.now() - started;
      await sleep(5);
    }
    const finished = await run.exited;
    const elapsed = Date.now() - started;
    expect(finished.code).toBe(0);
    expect(elapsed).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
    for (const pid of Object.values(pids)) expect(isRunning(pid)).toBe(false);
    expect(goneAt.api).toBeDefined();
    expect(goneAt.api!).toBeLessThanOrEqual(goneAt.inference!);
    expect(goneAt.api!).toBeLessThanOrEqual(goneAt.trainer!);
    expect(Math.max(goneAt.inference!, goneAt.trainer!)).toBeLessThanOrEqual(goneAt.postgres!);
    expect(finished.stderr).toMatch(
      /SIGTERM: stopping the api, then inference and trainer, then the database/,
    );
  }, 60_000);

  it('starts again on the same data folder with the same port, login and cluster', async () => {
    const recorded = await state();
    run = runNode(builtEntry('launcher'), {
      DATA_DIR: dataDir,
      API_PORT: String(ports.api),
      INFERENCE_PORT: String(ports.inference),
      TRAINER_PORT: String(ports.trainer),
      INFERENCE_URLS: `http://127.0.0.1:${ports.inference}`,
      LOG_LEVEL: 'warn',
    });
    await waitFor(() => ready(ports.api), 60_000, 'the API ready after a restart', run);
    expect(await state()).toEqual(recorded);
    run.child.kill('SIGTERM');
    expect((await run.exited).code).toBe(0);
  }, 90_000);
});
