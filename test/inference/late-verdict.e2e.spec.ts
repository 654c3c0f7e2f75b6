import { DatabaseTransactions } from '@linescope/db';
import { createUserWithToken } from '@linescope/accounts';
import { type RunningApp, startApp } from '@linescope/platform';
import { apiApp } from '../../apps/api/src/api.app';
import {
  binary,
  INFERENCE_TEST_TOKEN,
  type InferenceHarness,
  type InferenceSetup,
  predict,
  prepareInference,
  publishModel,
  tileImages,
  tinyModel,
  waitFor,
} from './inference.fixtures';

/**
 * A line whose deadline is shorter than the model takes: the API answers `pending` and stops waiting, the inference
 * service records the verdict it computed anyway, and the fallback job (queued to run later) finds it scored.
 * The model is slow for real (a million pixels through wider layers: seconds of forward pass on wasm).
 */
describe('a late verdict is scored once', () => {
  let setup: InferenceSetup;
  let service: InferenceHarness;
  let api: RunningApp;
  let cameraKey: string;
  const [jpeg, other] = tileImages('blowhole', 2);
  /**
   * The line's deadline must fall inside the forward pass, on a quiet machine (where this model may take well under a
   * second) as on a loaded one: a third of the measured scoring time, between 100 ms (room for the API's intake) and
   * 800 ms.
   */
  const deadlineFor = (scoringMs: number) => Math.round(Math.min(800, Math.max(100, scoringMs / 3)));
  /** The API's bound on an inference call; the fallback job runs this plus a 5 s margin after a late answer. */
  const INFERENCE_TIMEOUT_MS = 100;

  beforeAll(async () => {
    setup = await prepareInference();
    const size = { input: 1024, width: 32 };
    await publishModel(
      setup.dataSource,
      setup.store,
      await tinyModel({ fixedProbabilities: binary(0.1), size }),
      { stage: 'production', size },
    );
    service = await setup.start();
    const { token } = await createUserWithToken(
      new DatabaseTransactions(setup.dataSource),
      { email: 'admin@example.com', displayName: 'Admin', role: 'admin' },
      null,
    );
    api = await startApp(apiApp, {
      DATABASE_URL: setup.db.url,
      DATA_DIR: setup.dataDir,
      API_PORT: '0',
      LOG_LEVEL: 'silent',
      INFERENCE_URLS: service.url,
      INFERENCE_TOKEN: INFERENCE_TEST_TOKEN,
      INFERENCE_TIMEOUT_MS: String(INFERENCE_TIMEOUT_MS),
    });
    const admin = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const line = (await (
      await fetch(`${api.url}/api/v1/lines`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ name: 'late', verdictMode: 'sync' }),
      })
    ).json()) as { id: string };
    const camera = (await (
      await fetch(`${api.url}/api/v1/lines/${line.id}/cameras`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ name: 'cam' }),
      })
    ).json()) as { apiKey: string };
    cameraKey = camera.apiKey;
    await predict(service.url, other, { lineId: line.id }); // the first call loads and compiles the model
    const scoring = await predict(service.url, other, { lineId: line.id });
    expect(scoring.status).toBe(200);
    const deadline = await fetch(`${api.url}/api/v1/lines/${line.id}`, {
      method: 'PATCH',
      headers: admin,
      body: JSON.stringify({ verdictDeadlineMs: deadlineFor(scoring.ms) }),
    });
    expect(deadline.status).toBe(200);
  }, 180_000);
  afterAll(async () => {
    await api?.shutdown('test finished');
    await service?.stop();
    await setup?.cleanup();
  });

  const upload = async (image: Buffer) => {
    const response = await fetch(`${api.url}/api/v1/inspections`, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg', 'x-api-key': cameraKey },
      body: image,
    });
    return { status: response.status, body: (await response.json()) as { id: string; status: string } };
  };

  /** Sum of a metric's samples whose labels contain `labels`. */
  const metric = async (name: string, labels = ''): Promise<number> => {
    const text = await (await fetch(`${service.url}/metrics`)).text();
    return text
      .split('\n')
      .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
      .filter((line) => line.includes(labels))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  };
  const counts = async () => ({
    forwardPasses: await metric('linescope_inference_forward_seconds_count', 'priority="production"'),
    byHttp: await metric('linescope_inference_predictions_total', 'source="http"'),
    byJob: await metric('linescope_inference_predictions_total', 'source="job"'),
    lateRecorded: await metric('linescope_inference_late_verdicts_total', 'outcome="recorded"'),
  });
  const row = async (id: string) =>
    (
      await setup.dataSource.query<
        { status: string; verdict: string | null; latency: Record<string, unknown> }[]
      >(`SELECT status, verdict, latency FROM inspections WHERE id = $1`, [id])
    )[0];
  const scoringJobs = async (id: string) =>
    setup.dataSource.query<{ id: string; state: string; output: { status?: string } | null }[]>(
      `SELECT id, state, output FROM pgboss.job WHERE name = 'score-inspection' AND data->>'inspectionId' = $1`,
      [id],
    );

  it('records the verdict the inference service finished after the API stopped waiting: one forward pass', async () => {
    const before = await counts();
    const answered = await upload(jpeg);
    expect(answered).toMatchObject({ status: 202, body: { status: 'pending' } });
    const id = answered.body.id;

    await waitFor(async () => (await row(id)).status === 'scored', 60_000, 'the late verdict recorded');
    const scored = await row(id);
    expect(scored.verdict).toBe('ok');
    // What the API measured before scoring and what the inference service measured, merged.
    expect(scored.latency).toMatchObject({ storeMs: expect.any(Number), forwardMs: expect.any(Number) });

    // The fallback job, keyed by the inspection, runs after the margin and finds the row scored.
    const [job] = await scoringJobs(id);
    expect(job.id).toBe(id);
    await waitFor(
      async () => (await scoringJobs(id))[0].state === 'completed',
      60_000,
      'the fallback job ran',
    );
    expect(await scoringJobs(id)).toEqual([
      expect.objectContaining({ output: expect.objectContaining({ status: 'skipped' }) }),
    ]);

    expect(await counts()).toEqual({
      forwardPasses: before.forwardPasses + 1,
      byHttp: before.byHttp + 1,
      byJob: before.byJob,
      lateRecorded: before.lateRecorded + 1,
    });
  }, 120_000);

  it('still scores an image by its job, at once, when no inference instance got it', async () => {
    (api.infra.config as { inferenceUrls: string[] }).inferenceUrls = ['http://127.0.0.1:9'];
    const before = await counts();
    const answered = await upload(other);
    expect(answered).toMatchObject({ status: 202, body: { status: 'pending' } });
    await waitFor(async () => (await row(answered.body.id)).status === 'scored', 60_000, 'scored by its job');
    expect(await counts()).toEqual({
      ...before,
      forwardPasses: before.forwardPasses + 1,
      byJob: before.byJob + 1,
    });
  }, 120_000);
});
