import { createDataSource } from '@linescope/db';
import { S3ObjectStore } from '@linescope/storage';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { binary, promote, publishModel, tinyModel } from '../inference/inference.fixtures';
import { datasetImages } from '../support/datasets';
import { freePort } from '../support/ports';
import { isRunning, REPO_ROOT, waitFor } from '../support/processes';
import { Camera, type StreamTally } from './support/camera';
import { Installation, type Part } from './support/installation';
import { reconcile, type Reconciliation } from './support/reconcile';
import { S3Process } from './support/s3-process';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A camera's pace: small, so the suite fits CI's budget on two busy cores; every fault still sees a stream. */
const RATE_PER_SECOND = 6;
const STORAGE_TIMEOUT_MS = 1_500;
/** How long recovery may take before something still `pending` counts as stuck. */
const PENDING_TIMEOUT_MS = 90_000;
const S3_CREDENTIALS = { S3_ACCESS_KEY: 'S3RVER', S3_SECRET_KEY: 'S3RVER' };

interface FaultResult {
  fault: string;
  tally: StreamTally;
  reconciliation: Reconciliation;
  /** Seconds from the stream's start until the fault was over, the stream answered, the product whole, reconciled. */
  seconds: { fault: number; answered: number; whole: number; reconciled: number };
}

/**
 * The fault suite (issue 19): the built product as `npm start` runs it (launcher, embedded PostgreSQL, api,
 * inference and trainer) storing on a real S3 server process, a camera streaming uploads with idempotency keys and
 * retries, and one fault after another injected by process id. After each: every acknowledged upload has exactly
 * one row and one object, no orphan survives the sweep, nothing stays pending, and the camera never got an answer
 * it must not retry. One product start is shared by all faults.
 */
describe('the product under faults, with a camera streaming uploads', () => {
  const images = datasetImages('magnetic-tile', 'ok', 8).map((image) => image.bytes);
  const results: FaultResult[] = [];
  const folders: string[] = [];
  let s3: S3Process;
  let a: Installation;
  let store: S3ObjectStore;
  let adminToken: string;
  let lineId: string;
  let suiteStarted = 0;
  let startupSeconds = 0;

  const folder = async (name: string) => {
    const dir = await mkdtemp(path.join(tmpdir(), `linescope-faults-${name}-`));
    folders.push(dir);
    return dir;
  };
  const environment = (bucket: string, databasePort: number): NodeJS.ProcessEnv => ({
    S3_ENDPOINT: s3.endpoint,
    S3_BUCKET: bucket,
    ...S3_CREDENTIALS,
    STORAGE_TIMEOUT_MS: String(STORAGE_TIMEOUT_MS),
    EMBEDDED_DATABASE_PORT: String(databasePort),
    SHUTDOWN_TIMEOUT_MS: '20000',
    INFERENCE_WORKERS: '1',
    INFERENCE_JOB_CONCURRENCY: '8',
    TF_BACKEND: 'wasm',
    INFERENCE_ENGINE: 'tfjs',
    LOG_LEVEL: 'error',
  });
  const admin = async (installation: Installation, token: string, route: string, json: unknown) => {
    const response = await fetch(`${installation.api}${route}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(json),
    });
    const body = (await response.json()) as Record<string, any>;
    if (response.status !== 201) throw new Error(`${route}: ${response.status} ${JSON.stringify(body)}`);
    return body;
  };
  const newCamera = async (name: string) => {
    const created = await admin(a, adminToken, `/api/v1/lines/${lineId}/cameras`, {
      name,
      rateLimitPerSecond: 100,
    });
    return {
      id: created.camera.id as string,
      camera: new Camera(() => a.api, created.apiKey as string, images, name),
    };
  };

  /**
   * Streams uploads from a camera of its own while `inject` runs the fault, waits for the product to be whole
   * again, reconciles, and records the figures.
   */
  const survive = async (
    fault: string,
    inject: () => Promise<void>,
    options: { minCount?: number; giveUpAfterMs?: number } = {},
  ): Promise<FaultResult> => {
    const started = Date.now();
    const { id, camera } = await newCamera(fault.replace(/[^a-z0-9]+/gi, '-').toLowerCase());
    const since = () => Math.round((Date.now() - started) / 100) / 10;
    const seconds = { fault: 0, answered: 0, whole: 0, reconciled: 0 };
    let injected: Promise<void> | undefined;
    const fault$ = sleep(1_500).then(() => (injected = inject().then(() => void (seconds.fault = since()))));
    const tally = await camera.stream({
      perSecond: RATE_PER_SECOND,
      minCount: options.minCount ?? 5 * RATE_PER_SECOND,
      until: fault$.then(() => injected),
      maxCount: 120 * RATE_PER_SECOND,
      giveUpAfterMs: options.giveUpAfterMs ?? 90_000,
    });
    seconds.answered = since();
    await fault$;
    await injected;
    await waitFor(() => a.allReady(), 90_000, `${fault}: the product whole again`, a.run);
    seconds.whole = since();
    const reconciliation = await reconcile(a, store, id, camera.records, PENDING_TIMEOUT_MS);
    seconds.reconciled = since();
    const result = { fault, tally, reconciliation, seconds };
    results.push(result);
    return result;
  };
  const expectSurvived = ({ tally, reconciliation }: FaultResult) => {
    expect({
      unanswered: tally.unanswered,
      refusals: tally.refusals,
      lost: reconciliation.lost,
      rowsWithoutObject: reconciliation.rowsWithoutObject,
      orphans: reconciliation.orphans,
      pending: reconciliation.pending,
    }).toEqual({ unanswered: 0, refusals: [], lost: [], rowsWithoutObject: [], orphans: [], pending: 0 });
    expect(tally.acknowledged).toBe(tally.sent);
    expect(reconciliation.rows).toBe(tally.sent);
    // A fault is answered as such (503 with the failing dependency), never as the API's own failure.
    expect(Object.keys(tally.retryableKinds).filter((kind) => kind.startsWith('500'))).toEqual([]);
  };

  const killChild = async (part: Part) => {
    const pid = a.pid(part);
    if (!pid) throw new Error(`no ${part} process`);
    process.kill(pid, 'SIGKILL');
    return a.restarted(part, pid);
  };

  beforeAll(async () => {
    suiteStarted = Date.now();
    s3 = await S3Process.start();
    a = await Installation.create('A', await folder('a'), environment('linescope-a', await freePort()));
    await a.start();
    adminToken = await a.adminToken();
    store = new S3ObjectStore({
      endpoint: { endPoint: '127.0.0.1', port: s3.port, useSSL: false },
      bucket: 'linescope-a',
      accessKey: 'S3RVER',
      secretKey: 'S3RVER',
      pathStyle: true,
    });

    // A tiny model that answers `ok` for every image, in production before the stream: every upload can be scored.
    const dataSource = createDataSource({ url: await a.databaseUrl(), poolSize: 1 });
    await dataSource.initialize();
    try {
      const model = await publishModel(
        dataSource,
        store,
        await tinyModel({ fixedProbabilities: binary(0.1) }),
      );
      await promote(dataSource, model.id, { notify: true });
    } finally {
      await dataSource.destroy();
    }
    lineId = (
      await admin(a, adminToken, '/api/v1/lines', {
        name: 'faults',
        verdictMode: 'sync',
        verdictDeadlineMs: 2_000,
      })
    ).id;
    const warmUp = await newCamera('warm-up');
    await waitFor(
      async () => {
        const tally = await warmUp.camera.stream({ perSecond: 10, minCount: 1, giveUpAfterMs: 5_000 });
        return warmUp.camera.records.at(-1)?.acknowledged?.status === 201 && tally.nonRetryable === 0;
      },
      90_000,
      'an upload scored by the promoted model',
    );
    startupSeconds = Math.round((Date.now() - suiteStarted) / 1000);
  }, 240_000);

  afterAll(async () => {
    const table = [
      '| fault | sent | acknowledged | lost | retryable answers | non-retryable answers | unanswered | pending after the stream → after recovery | orphans after sweep | seconds: fault over, all answered, whole, reconciled |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      ...results.map(
        ({ fault, tally, reconciliation: r, seconds }) =>
          `| ${fault} | ${tally.sent} | ${tally.acknowledged} | ${r.lost.length} | ${tally.retryable}${
            tally.retryable
              ? ` (${Object.entries(tally.retryableKinds)
                  .map(([k, n]) => `${k}: ${n}`)
                  .join(', ')})`
              : ''
          } | ${tally.nonRetryable} | ${tally.unanswered} | ${r.pendingAfterStream} → ${r.pending} | ${r.orphans.length} | ${seconds.fault}, ${seconds.answered}, ${seconds.whole}, ${seconds.reconciled} |`,
      ),
    ].join('\n');
    const total = Math.round((Date.now() - suiteStarted) / 1000);
    process.stdout.write(
      `\nFault suite, ${RATE_PER_SECOND} uploads/s; product started and a model serving in ${startupSeconds} s, ${total} s in all:\n${table}\n`,
    );
    await mkdir(path.join(REPO_ROOT, 'test-artifacts'), { recursive: true });
    await writeFile(path.join(REPO_ROOT, 'test-artifacts', 'faults.md'), `${table}\n`);
    if (a) await writeFile(path.join(REPO_ROOT, 'test-artifacts', 'faults-installation-a.log'), a.output());
    await a?.destroy();
    await s3?.stop();
    for (const dir of folders) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('survives a SIGKILL of the api child while uploads wait for their verdict', async () => {
    // Inference held still for a moment, so the API dies between committing rows and answering them.
    const result = await survive('SIGKILL api mid-verdict', async () => {
      const inference = a.pid('inference')!;
      process.kill(inference, 'SIGSTOP');
      try {
        await sleep(1_000);
        await killChild('api');
      } finally {
        process.kill(inference, 'SIGCONT');
      }
    });
    expectSurvived(result);
  }, 180_000);

  it.each(['inference', 'trainer'] as const)(
    'survives a SIGKILL of the %s child',
    async (part) => {
      expectSurvived(await survive(`SIGKILL ${part}`, async () => void (await killChild(part))));
    },
    180_000,
  );

  it('survives each child SIGKILLed twice within 15 s', async () => {
    const result = await survive('SIGKILL api, inference, trainer twice within 15 s', async () => {
      const firstKill = Date.now();
      await Promise.all(['api', 'inference', 'trainer'].map((part) => killChild(part as Part)));
      await sleep(2_000);
      await Promise.all(['api', 'inference', 'trainer'].map((part) => killChild(part as Part)));
      expect(Date.now() - firstKill).toBeLessThan(15_000);
    });
    expectSurvived(result);
    expect(a.run!.child.exitCode).toBeNull();
  }, 180_000);

  it('survives the embedded database stopped (fast shutdown) and restarted by the launcher', async () => {
    expectSurvived(
      await survive('database stopped and restarted', async () => {
        const pid = a.pid('postgres')!;
        process.kill(pid, 'SIGINT');
        await a.restarted('postgres', pid);
      }),
    );
  }, 180_000);

  it('survives the S3 server SIGKILLed and started again 3 s later', async () => {
    expectSurvived(
      await survive('S3 server SIGKILL', async () => {
        await s3.kill();
        await sleep(3_000);
        await s3.start();
      }),
    );
  }, 180_000);

  it('survives the S3 server stopped (SIGSTOP) for 4 s, then continued', async () => {
    const result = await survive('S3 server SIGSTOP 4 s', async () => {
      s3.signal('SIGSTOP');
      await sleep(4_000);
      s3.signal('SIGCONT');
    });
    expectSurvived(result);
    // A stalled store is answered within the bound (503), not waited on: the camera saw no request time out.
    expect(result.tally.retryableKinds.timeout ?? 0).toBe(0);
  }, 180_000);

  it("keeps a second installation, started while the first's database is down, out of the first's data", async () => {
    let b: Installation | undefined;
    const aLineName = 'faults';
    const bProbe = {
      inspections: -1,
      linesNamedLikeA: -1,
      aLinesNamedLikeB: -1,
      databasePortTaken: false,
      aRefusedB: '',
    };
    try {
      const result = await survive(
        "second installation while A's database is down",
        async () => {
          const aPort = (await a.databaseState()).port;
          // The launcher held still, so its database stays down while B starts (it would restart it within 1 s).
          process.kill(a.launcherPid, 'SIGSTOP');
          try {
            const pid = a.pid('postgres')!;
            process.kill(pid, 'SIGINT');
            await waitFor(async () => !isRunning(pid), 20_000, "A's database stopped");
            b = await Installation.create('B', await folder('b'), environment('linescope-b', aPort));
            // B's database up (its apps still starting) is all A must meet when it comes back.
            await b.start([]);
            await waitFor(
              async () => (await b!.query<{ one: number }>('SELECT 1 AS one')).length === 1,
              90_000,
              "B's database accepting connections",
              b.run,
            );
            bProbe.databasePortTaken = (await b.databaseState()).port === aPort;
            // A's API now reaches B's server on its port, and refuses it (B's login is not A's).
            await waitFor(
              async () => {
                const response = await fetch(`${a.api}/health/ready`);
                const body = (await response.json()) as { checks: { database?: { error?: string } } };
                bProbe.aRefusedB = body.checks.database?.error ?? '';
                return /refused the credentials|password authentication failed/.test(bProbe.aRefusedB);
              },
              30_000,
              "A's API refusing B's database",
            );
          } finally {
            process.kill(a.launcherPid, 'SIGCONT');
          }
        },
        { giveUpAfterMs: 90_000 },
      );
      await waitFor(() => b!.ready('api'), 90_000, "B's API ready", b!.run);
      // B works on its own data.
      const bToken = await b!.adminToken();
      const bLine = await admin(b!, bToken, '/api/v1/lines', {
        name: 'installation-b',
        verdictMode: 'async',
      });
      const bCamera = await admin(b!, bToken, `/api/v1/lines/${bLine.id}/cameras`, { name: 'b-cam' });
      const bUpload = await fetch(`${b!.api}/api/v1/inspections`, {
        method: 'POST',
        headers: { 'x-api-key': bCamera.apiKey, 'content-type': 'image/jpeg' },
        body: images[0],
      });
      expect(bUpload.status).toBe(202);
      // B's image is in B's bucket, not in A's.
      const [{ image_key: bImageKey }] = await b!.query<{ image_key: string }>(
        'SELECT image_key FROM inspections WHERE id = $1',
        [((await bUpload.json()) as { id: string }).id],
      );
      const bStore = new S3ObjectStore({
        endpoint: { endPoint: '127.0.0.1', port: s3.port, useSSL: false },
        bucket: 'linescope-b',
        accessKey: 'S3RVER',
        secretKey: 'S3RVER',
        pathStyle: true,
      });
      expect([await bStore.exists(bImageKey), await store.exists(bImageKey)]).toEqual([true, false]);
      bProbe.inspections = Number(
        (await b!.query<{ n: string }>('SELECT count(*)::text AS n FROM inspections'))[0].n,
      );
      bProbe.linesNamedLikeA = Number(
        (
          await b!.query<{ n: string }>('SELECT count(*)::text AS n FROM production_lines WHERE name = $1', [
            aLineName,
          ])
        )[0].n,
      );
      bProbe.aLinesNamedLikeB = Number(
        (
          await a.query<{ n: string }>('SELECT count(*)::text AS n FROM production_lines WHERE name = $1', [
            'installation-b',
          ])
        )[0].n,
      );
      expect(bProbe).toEqual({
        inspections: 1,
        linesNamedLikeA: 0,
        aLinesNamedLikeB: 0,
        databasePortTaken: true,
        aRefusedB: expect.stringMatching(/refused the credentials|password authentication failed/),
      });
      expect((await a.databaseState()).port).not.toBe((await b!.databaseState()).port);
      expectSurvived(result);
    } finally {
      if (b?.run) expect(await b.terminate()).toBe(0);
      await b?.destroy();
    }
  }, 300_000);

  it('survives SIGTERM of the whole product mid-stream and a restart', async () => {
    let exitCode: number | null = null;
    const result = await survive(
      'SIGTERM product, restart',
      async () => {
        exitCode = await a.terminate();
        await a.start();
      },
      { giveUpAfterMs: 120_000 },
    );
    expect(exitCode).toBe(0);
    expectSurvived(result);
  }, 300_000);
});
