import sharp from 'sharp';
import { InspectionEntity, ShadowResultEntity } from '@linescope/db';
import { InferenceRuntime } from '../../apps/inference/src/inference.runtime';
import {
  binary,
  createInspection,
  createLine,
  INFERENCE_TEST_TOKEN,
  type InferenceHarness,
  type InferenceSetup,
  notifyModels,
  ping,
  predict,
  prepareInference,
  publishModel,
  tileImages,
  tinyModel,
  waitFor,
} from './inference.fixtures';

/**
 * The job path (score-inspection, then the chained render-heatmap) worked by the service's own queue workers,
 * and shadow evaluation, against a real PostgreSQL and filesystem store.
 */
describe('inference jobs and shadow evaluation', () => {
  let setup: InferenceSetup;
  let service: InferenceHarness;
  let lineId: string;
  const [image, otherImage] = tileImages('crack', 2);

  beforeAll(async () => {
    setup = await prepareInference();
    lineId = (await createLine(setup.dataSource)).id;
    service = await setup.start({ INFERENCE_MODEL_POLL_MS: '600000' });
  });
  afterAll(async () => {
    await service?.stop();
    await setup?.cleanup();
  });

  const inspection = (id: string) => setup.dataSource.getRepository(InspectionEntity).findOneByOrFail({ id });

  let waiting: { id: string };
  let failedBefore: { id: string };

  it('keeps an inspection that no model can score pending, with the reason', async () => {
    waiting = await createInspection(setup.dataSource, setup.store, lineId, image);
    await service.running.infra.queue.send('score-inspection', { inspectionId: waiting.id });
    await waitFor(
      async () => (await inspection(waiting.id)).failureReason !== null,
      20_000,
      'inspection marked as waiting for a model',
    );
    expect(await inspection(waiting.id)).toMatchObject({
      status: 'pending',
      verdict: null,
      failureReason: 'no model is serving yet',
    });
    // What such an inspection became before it waited instead: failed, for good.
    const failed = await createInspection(setup.dataSource, setup.store, lineId, otherImage);
    await setup.dataSource
      .getRepository(InspectionEntity)
      .update(failed.id, { status: 'failed', failureReason: 'no model version serves this line' });
    failedBefore = failed;
  });

  let production: { id: string };
  let agreeing: { id: string };
  let disagreeing: { id: string };

  it('loads production and shadow candidates', async () => {
    production = await publishModel(
      setup.dataSource,
      setup.store,
      await tinyModel({ fixedProbabilities: binary(0.7) }),
      {
        stage: 'production',
      },
    );
    agreeing = await publishModel(
      setup.dataSource,
      setup.store,
      await tinyModel({ fixedProbabilities: binary(0.65) }),
      {
        shadow: true,
      },
    );
    disagreeing = await publishModel(
      setup.dataSource,
      setup.store,
      await tinyModel({ fixedProbabilities: binary(0.3) }),
      {
        shadow: true,
      },
    );
    await notifyModels(setup.dataSource, { event: 'shadow', id: disagreeing.id, enabled: true });
    await waitFor(async () => (await ping(service.url)).models.length === 3, 20_000, 'three models served');
    const roles = (await ping(service.url)).models.map((model: { id: string; role: string }) => [
      model.id,
      model.role,
    ]);
    expect(roles).toEqual(
      expect.arrayContaining([
        [production.id, 'production'],
        [agreeing.id, 'shadow'],
        [disagreeing.id, 'shadow'],
      ]),
    );
  });

  it('scores the inspections that waited for a model (or failed for want of one) once production serves', async () => {
    for (const { id } of [waiting, failedBefore]) {
      await waitFor(
        async () => (await inspection(id)).status === 'scored',
        30_000,
        `inspection ${id} scored`,
      );
      expect(await inspection(id)).toMatchObject({
        verdict: 'defect',
        modelVersionId: production.id,
        failureReason: null,
      });
    }
  });

  it('scores a pending inspection, records the verdict with its timings and chains the heatmap', async () => {
    const pending = await createInspection(setup.dataSource, setup.store, lineId, image);
    await service.running.infra.queue.send('score-inspection', { inspectionId: pending.id });
    await waitFor(
      async () => (await inspection(pending.id)).status === 'scored',
      20_000,
      'inspection scored',
    );
    const scored = await inspection(pending.id);
    expect(scored).toMatchObject({ verdict: 'defect', modelVersionId: production.id });
    expect(scored.score).toBeCloseTo(0.7, 5);
    expect(scored.probabilities?.defect).toBeCloseTo(0.7, 5);
    // The API's own timings are kept; the job's are added.
    expect(scored.latency).toMatchObject({ receiveMs: 1.5, storeMs: 2.5, engine: 'tfjs-wasm' });
    for (const stage of ['decodeMs', 'preprocessMs', 'queueMs', 'forwardMs', 'totalMs'] as const) {
      expect(scored.latency?.[stage]).toEqual(expect.any(Number));
    }

    // DEFECT chains render-heatmap, which this service works too.
    await waitFor(async () => (await inspection(pending.id)).heatmapKey !== null, 30_000, 'heatmap rendered');
    const { heatmapKey, receivedAt } = await inspection(pending.id);
    expect(heatmapKey).toBe(`heatmaps/${lineId}/${receivedAt.toISOString().slice(0, 10)}/${pending.id}.png`);
    const png = await sharp(await setup.store.get(heatmapKey!)).metadata();
    const original = await sharp(image).metadata();
    expect([png.format, png.width, png.height]).toEqual(['png', original.width, original.height]);

    // After the verdict, both shadow candidates scored the same image.
    await waitFor(
      async () =>
        (await setup.dataSource.getRepository(ShadowResultEntity).countBy({ inspectionId: pending.id })) ===
        2,
      10_000,
      'shadow results recorded',
    );
  });

  it('records shadow answers after /predict without changing what production answered', async () => {
    const target = await createInspection(setup.dataSource, setup.store, lineId, otherImage);
    const withShadows = await predict(service.url, otherImage, { lineId, inspectionId: target.id });
    const withoutShadows = await predict(service.url, otherImage, { lineId });
    expect(withShadows.status).toBe(200);
    for (const answer of [withShadows, withoutShadows]) {
      expect(answer.body).toMatchObject({ modelVersionId: production.id, verdict: 'defect' });
      expect(answer.body.score).toBeCloseTo(0.7, 5);
    }
    const results = setup.dataSource.getRepository(ShadowResultEntity);
    await waitFor(
      async () => (await results.countBy({ inspectionId: target.id })) === 2,
      10_000,
      'shadow rows',
    );
    const rows = await results.find({ where: { inspectionId: target.id }, order: { score: 'DESC' } });
    expect(rows).toEqual([
      expect.objectContaining({
        modelVersionId: agreeing.id,
        verdict: 'defect',
        productionModelVersionId: production.id,
        productionVerdict: 'defect',
      }),
      expect.objectContaining({
        modelVersionId: disagreeing.id,
        verdict: 'ok',
        productionModelVersionId: production.id,
        productionVerdict: 'defect',
      }),
    ]);
    expect(rows[0].score).toBeCloseTo(0.65, 5);
    expect(rows[1].score).toBeCloseTo(0.3, 5);
    expect(rows.every((row) => Math.abs(row.productionScore - 0.7) < 1e-5)).toBe(true);

    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toContain(
      `linescope_inference_shadow_results_total{model_version="${disagreeing.id}",agreement="disagree",app="inference"}`,
    );
    expect(metrics).toContain(
      `linescope_inference_shadow_results_total{model_version="${agreeing.id}",agreement="agree",app="inference"}`,
    );
    // The inspection itself is the API's to record: /predict leaves it pending.
    expect((await inspection(target.id)).status).toBe('pending');
  });

  it('deletes a rendered heatmap again when its inspection is gone', async () => {
    const runtime = service.running.app.get(InferenceRuntime);
    const pending = await createInspection(setup.dataSource, setup.store, lineId, image);
    const scored = await setup.dataSource.getRepository(InspectionEntity).save({
      ...pending,
      status: 'scored',
      verdict: 'uncertain',
      score: 0.55,
      probabilities: { ok: 0.45, defect: 0.55 },
      modelVersionId: production.id,
    });
    await setup.dataSource.getRepository(InspectionEntity).delete(scored.id);
    const outcome = await runtime.heatmaps.render(scored);
    expect(outcome).toEqual({ status: 'skipped', reason: 'inspection no longer exists' });
    const key = `heatmaps/${lineId}/${scored.receivedAt.toISOString().slice(0, 10)}/${scored.id}.png`;
    expect(await setup.store.exists(key)).toBe(false);
  });

  it('renders a missing heatmap on demand (POST /heatmaps/:id), once, and refuses what has none', async () => {
    const render = async (id: string) => {
      const response = await fetch(`${service.url}/heatmaps/${id}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${INFERENCE_TEST_TOKEN}` },
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const repository = setup.dataSource.getRepository(InspectionEntity);
    const scoredAs = async (verdict: 'defect' | 'ok') => {
      const pending = await createInspection(setup.dataSource, setup.store, lineId, image);
      return repository.save({
        ...pending,
        status: 'scored',
        verdict,
        score: verdict === 'defect' ? 0.7 : 0.1,
        probabilities: verdict === 'defect' ? { ok: 0.3, defect: 0.7 } : { ok: 0.9, defect: 0.1 },
        modelVersionId: production.id,
      });
    };
    // As a job dropped from the bounded backlog leaves it: a defect with no heatmap and no job.
    const defect = await scoredAs('defect');
    const first = await render(defect.id);
    expect(first.status).toBe(200);
    const key = `heatmaps/${lineId}/${defect.receivedAt.toISOString().slice(0, 10)}/${defect.id}.png`;
    expect(first.body).toEqual({ heatmapKey: key });
    expect((await inspection(defect.id)).heatmapKey).toBe(key);
    expect((await sharp(await setup.store.get(key)).metadata()).format).toBe('png');
    expect(await render(defect.id)).toEqual({ status: 200, body: { heatmapKey: key } });

    const ok = await scoredAs('ok');
    expect(await render(ok.id)).toMatchObject({ status: 409, body: { error: 'no_heatmap' } });
    expect((await inspection(ok.id)).heatmapKey).toBeNull();
    expect(await render('00000000-0000-4000-8000-000000000000')).toMatchObject({
      status: 404,
      body: { error: 'inspection_not_found' },
    });
    expect((await render('not-a-uuid')).status).toBe(400);
  });
});
