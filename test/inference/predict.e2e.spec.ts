import { loadConfig } from '@linescope/config';
import { ProductionLineEntity } from '@linescope/db';
import { randomUUID } from 'node:crypto';
import { InferenceClient } from '../../apps/api/src/inference/inference.client';
import {
  INFERENCE_TEST_TOKEN,
  binary,
  createLine,
  type InferenceHarness,
  type InferenceSetup,
  notifyModels,
  ping,
  predict,
  prepareInference,
  promote,
  publishModel,
  tileImages,
  tinyModel,
  waitFor,
} from './inference.fixtures';

/**
 * The inference service in-process (one wasm worker) against a real PostgreSQL and filesystem store, serving
 * real zoo models whose classifier answers fixed probabilities, so every verdict is known in advance.
 */
describe('POST /predict', () => {
  let setup: InferenceSetup;
  let service: InferenceHarness;
  const [jpeg, secondJpeg] = tileImages('blowhole', 2);

  beforeAll(async () => {
    setup = await prepareInference();
    // A long poll: changes below reach the service by NOTIFY (or by the request that needs them).
    service = await setup.start({
      INFERENCE_MAX_BATCH: '8',
      INFERENCE_MAX_WAIT_MS: '20',
      INFERENCE_MODEL_POLL_MS: '600000',
    });
  });
  afterAll(async () => {
    await service?.stop();
    await setup?.cleanup();
  });

  it('is ready on an empty installation and answers 503 no_model', async () => {
    const ready = await fetch(`${service.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ checks: { models: { status: 'up' } } });
    const report = await ping(service.url);
    expect(report).toMatchObject({
      status: 'ok',
      engine: 'auto',
      engines: { tfjs: 'tfjs-wasm', onnx: 'onnxruntime-cpu' },
      backend: 'wasm',
      models: [],
      listening: true,
    });
    expect(report.workers).toHaveLength(1);
    const answer = await predict(service.url, jpeg);
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ statusCode: 503, error: 'no_model' });
  });

  let production: { id: string };

  it('loads a promoted model on NOTIFY and scores with its threshold and band', async () => {
    const model = await tinyModel({ fixedProbabilities: binary(0.7) });
    production = await publishModel(setup.dataSource, setup.store, model, {
      stage: 'production',
      operatingPoint: { threshold: 0.5, uncertainBand: { low: 0.4, high: 0.6 } },
    });
    await notifyModels(setup.dataSource, { event: 'promote', id: production.id });
    await waitFor(
      async () => (await ping(service.url)).models.some((m: { id: string }) => m.id === production.id),
      20_000,
      'production model served',
    );
    expect((await ping(service.url)).models).toEqual([
      expect.objectContaining({
        id: production.id,
        role: 'production',
        engine: 'tfjs-wasm',
        loadedAt: expect.any(String),
      }),
    ]);

    const answer = await predict(service.url, jpeg);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      modelVersionId: production.id,
      verdict: 'defect',
      engine: 'tfjs-wasm',
      decision: { threshold: 0.5, uncertainLow: 0.4, uncertainHigh: 0.6 },
    });
    expect(answer.body.score).toBeCloseTo(0.7, 5);
    expect(answer.body.probabilities.ok).toBeCloseTo(0.3, 5);
    expect(answer.body.probabilities.defect).toBeCloseTo(0.7, 5);
    for (const stage of ['decodeMs', 'preprocessMs', 'queueMs', 'forwardMs', 'totalMs']) {
      expect(answer.body.timing[stage]).toEqual(expect.any(Number));
      expect(answer.body.timing[stage]).toBeGreaterThanOrEqual(0);
    }
    expect(answer.body.timing.totalMs).toBeGreaterThanOrEqual(answer.body.timing.forwardMs);
  });

  it.each([
    ['no token', {}],
    ['a wrong token', { Authorization: 'Bearer not-the-inference-token' }],
    ['a camera-style header', { 'X-Api-Key': INFERENCE_TEST_TOKEN }],
  ])('answers 401 to /predict and /ping with %s', async (_what, headers: Record<string, string>) => {
    const scored = await fetch(`${service.url}/predict`, {
      method: 'POST',
      headers: { 'Content-Type': 'image/jpeg', ...headers },
      body: jpeg,
    });
    expect(scored.status).toBe(401);
    expect(((await scored.json()) as { error: string }).error).toMatch(/^(unauthenticated|invalid_token)$/);
    expect((await fetch(`${service.url}/ping`, { headers })).status).toBe(401);
    expect((await fetch(`${service.url}/health/live`, { headers })).status).toBe(200);
  });

  it("scores through the API's client, which sends the token, and not with a wrong one", async () => {
    const { id: lineId } = await createLine(setup.dataSource);
    const client = (token: string) =>
      new InferenceClient(loadConfig({ INFERENCE_URLS: service.url, INFERENCE_TOKEN: token }));
    const answer = await client(INFERENCE_TEST_TOKEN).predict(
      jpeg,
      'image/jpeg',
      { lineId, inspectionId: randomUUID() },
      10_000,
    );
    expect(answer.modelVersionId).toBe(production.id);
    await expect(
      client('a-wrong-token-0123456789').predict(
        jpeg,
        'image/jpeg',
        { lineId, inspectionId: randomUUID() },
        10_000,
      ),
    ).rejects.toThrow(/401/);
  });

  it("applies a line's threshold and band over the model's", async () => {
    const uncertainLine = await createLine(setup.dataSource, {
      operatingThreshold: 0.75,
      uncertainLow: 0.65,
      uncertainHigh: 0.8,
    });
    const okLine = await createLine(setup.dataSource, {
      operatingThreshold: 0.8,
      uncertainLow: 0.72,
      uncertainHigh: 0.9,
    });
    // Only a threshold: the model's band [0.4, 0.6) stretches up to it, and 0.7 falls inside.
    const thresholdOnlyLine = await createLine(setup.dataSource, { operatingThreshold: 0.9 });
    const plainLine = await createLine(setup.dataSource);

    const verdicts = await Promise.all(
      [uncertainLine, okLine, thresholdOnlyLine, plainLine].map(async (line) => {
        const answer = await predict(service.url, jpeg, { lineId: line.id });
        expect(answer.status).toBe(200);
        expect(answer.body.modelVersionId).toBe(production.id);
        expect(answer.body.score).toBeCloseTo(0.7, 5);
        return [answer.body.verdict, answer.body.decision];
      }),
    );
    expect(verdicts).toEqual([
      ['uncertain', { threshold: 0.75, uncertainLow: 0.65, uncertainHigh: 0.8 }],
      ['ok', { threshold: 0.8, uncertainLow: 0.72, uncertainHigh: 0.9 }],
      ['uncertain', { threshold: 0.9, uncertainLow: 0.4, uncertainHigh: 0.9 }],
      ['defect', { threshold: 0.5, uncertainLow: 0.4, uncertainHigh: 0.6 }],
    ]);
  });

  it("scores a line with its own model version, summing every defect class's probability", async () => {
    const classNames = ['ok', 'blowhole', 'crack'];
    const model = await tinyModel({ classNames, fixedProbabilities: [0.5, 0.3, 0.2] });
    const override = await publishModel(setup.dataSource, setup.store, model, {
      classNames,
      operatingPoint: { threshold: 0.45, uncertainBand: { low: 0.45, high: 0.45 } },
      rowThresholds: { operatingThreshold: 0.55, uncertainLow: 0.55, uncertainHigh: 0.55 },
    });
    // Set on the line without a notification: the first request for the line loads the version.
    const line = await createLine(setup.dataSource, { modelVersionId: override.id });
    const answer = await predict(service.url, secondJpeg, { lineId: line.id });
    expect(answer.status).toBe(200);
    expect(answer.body.modelVersionId).toBe(override.id);
    expect(answer.body.score).toBeCloseTo(0.5, 5);
    expect(answer.body.probabilities.blowhole).toBeCloseTo(0.3, 5);
    // The version row's own threshold (0.55) overrides its manifest's (0.45): 0.5 is ok.
    expect(answer.body.verdict).toBe('ok');
    expect((await ping(service.url)).models).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: override.id, role: 'line-override' })]),
    );

    // Line settings are cached: a change is announced, as the API does (see line-settings.e2e.spec.ts).
    await setup.dataSource
      .getRepository(ProductionLineEntity)
      .update(line.id, { uncertainHigh: 0.5, operatingThreshold: 0.5, uncertainLow: 0.5 });
    await notifyModels(setup.dataSource, { event: 'line', id: line.id });
    await waitFor(
      async () => (await predict(service.url, secondJpeg, { lineId: line.id })).body.verdict === 'defect',
      5_000,
      'the new line thresholds',
    );
  });

  it('answers a bad image with a 4xx that names the problem, and keeps serving', async () => {
    const cases: [Buffer, string, number, string][] = [
      [Buffer.alloc(0), 'image/jpeg', 400, 'empty_image'],
      [jpeg.subarray(0, Math.floor(jpeg.length / 2)), 'image/jpeg', 422, 'corrupt_image'],
      [Buffer.from('this is not an image'), 'image/jpeg', 415, 'unsupported_format'],
    ];
    for (const [bytes, contentType, status, code] of cases) {
      const answer = await predict(service.url, bytes, {}, contentType);
      expect({ status: answer.status, error: answer.body.error }).toEqual({ status, error: code });
      expect(answer.body.message).toEqual(expect.any(String));
      expect(answer.body.message.length).toBeGreaterThan(10);
    }
    expect((await predict(service.url, jpeg, { lineId: 'not-a-uuid' })).body).toMatchObject({
      statusCode: 400,
      error: 'invalid_query',
    });
    expect(
      (await predict(service.url, jpeg, { lineId: '00000000-0000-4000-8000-000000000000' })).body,
    ).toMatchObject({
      statusCode: 404,
      error: 'unknown_line',
    });
    const after = await predict(service.url, jpeg);
    expect(after.status).toBe(200);
    expect(after.body.verdict).toBe('defect');
  });

  it('batches concurrent requests and reports it in the response and the metrics', async () => {
    const images = tileImages('ok', 12);
    const answers = await Promise.all(images.map((image) => predict(service.url, image)));
    expect(answers.map((answer) => answer.status)).toEqual(images.map(() => 200));
    for (const answer of answers) expect(answer.body.score).toBeCloseTo(0.7, 5);
    const sizes = answers.map((answer) => answer.body.batch.size as number);
    expect(Math.max(...sizes)).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(8);

    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    const predictions = new RegExp(
      `linescope_inference_predictions_total\\{model_version="${production.id}",verdict="defect",engine="tfjs-wasm",source="http",app="inference"\\} (\\d+)`,
    ).exec(metrics);
    expect(Number(predictions?.[1])).toBeGreaterThanOrEqual(14);
    const series = (name: string) =>
      new RegExp(`${name}\\{[^}]*priority="production"[^}]*\\} (\\d+)`).exec(metrics)?.[1];
    expect(Number(series('linescope_inference_batch_size_count'))).toBeGreaterThanOrEqual(1);
    const scored = [...metrics.matchAll(/linescope_inference_predictions_total\{[^}]*\} (\d+)/g)].reduce(
      (sum, match) => sum + Number(match[1]),
      0,
    );
    expect(Number(series('linescope_inference_batch_size_count'))).toBeLessThan(scored);
    expect(Number(series('linescope_inference_queue_wait_seconds_count'))).toBe(scored);
    expect(Number(series('linescope_inference_forward_seconds_count'))).toBe(
      Number(series('linescope_inference_batch_size_count')),
    );
  });

  it('listens again after its notification connection is cut', async () => {
    const listening = async () => (await ping(service.url)).listening === true;
    await setup.dataSource.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'linescope-inference-listen'`,
    );
    await waitFor(async () => !(await listening()), 5_000, 'listener lost');
    await waitFor(listening, 10_000, 'listener back');
    // The poll is 10 minutes: only the notification can bring this change in.
    const candidate = await publishModel(
      setup.dataSource,
      setup.store,
      await tinyModel({ fixedProbabilities: binary(0.1) }),
      {
        shadow: true,
      },
    );
    await notifyModels(setup.dataSource, { event: 'shadow', id: candidate.id, enabled: true });
    await waitFor(
      async () =>
        (await ping(service.url)).models.some(
          (m: { id: string; role: string }) => m.id === candidate.id && m.role === 'shadow',
        ),
      10_000,
      'shadow candidate served',
    );
  });

  it('keeps the previous production version serving when a promoted one cannot be loaded', async () => {
    const broken = await publishModel(
      setup.dataSource,
      setup.store,
      await tinyModel({ fixedProbabilities: binary(0.9) }),
    );
    await setup.store.delete(`${broken.artifactKey}weights.bin`);
    await promote(setup.dataSource, broken.id, { notify: true });
    await waitFor(
      async () =>
        (await ping(service.url)).failedModels.some((failure: { id: string }) => failure.id === broken.id),
      10_000,
      'failed load reported',
    );
    const report = await ping(service.url);
    expect(report.failedModels).toEqual([
      { id: broken.id, error: expect.stringContaining('weights.bin does not exist') },
    ]);
    expect(report.models).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: production.id, role: 'production' })]),
    );
    const answer = await predict(service.url, jpeg);
    expect(answer.status).toBe(200);
    expect(answer.body.modelVersionId).toBe(production.id);
    expect((await fetch(`${service.url}/health/ready`)).status).toBe(200);
  });
});
