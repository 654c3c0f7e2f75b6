import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { type ApiHarness, startApiHarness } from '../support/api-harness';
import { type ConsoleUser, createConsoleUser } from '../support/console-users';
import {
  createLineWithCamera,
  insertInspections,
  insertModelVersion,
  insertTrainingJob,
  measuredModel,
} from '../support/console-seed';

/** The model pages' API: artefacts (curves, config, evaluation), promote/rollback with a reason, overrides, shadow. */
describe('models API (real PostgreSQL, API in-process)', () => {
  let api: ApiHarness;
  let sql: Client;
  let engineer: ConsoleUser;
  let qa: ConsoleUser;
  let production: string;
  let candidate: string;
  let int8: string;
  let jobId: string;
  const resolvedConfig = {
    epochs: 6,
    batchSize: 16,
    model: { arch: 'resnet', depth: 10, width: 8 },
    seed: 3,
  };

  beforeAll(async () => {
    api = await startApiHarness();
    sql = new Client({ connectionString: api.db.url });
    await sql.connect();
    engineer = await createConsoleUser(api, 'ml@example.com', 'ml_engineer');
    qa = await createConsoleUser(api, 'qa@example.com', 'qa');
    jobId = await insertTrainingJob(sql, {
      config: { dataset: { kind: 'folder', path: 'magnetic-tile' }, training: { epochs: 6 } },
      epochs: 6,
      seed: 1,
    });
    const good = measuredModel(0.85, 1);
    const fair = measuredModel(0.5, 2);
    production = await insertModelVersion(sql, {
      name: 'tiles',
      version: 1,
      stage: 'production',
      metrics: fair.metrics,
      evaluation: fair.evaluation,
    });
    candidate = await insertModelVersion(sql, {
      name: 'tiles',
      version: 2,
      metrics: { ...good.metrics, bestEpoch: 5 },
      evaluation: good.evaluation,
      config: resolvedConfig,
      trainingJobId: jobId,
      threshold: good.threshold,
      low: good.low,
      high: good.high,
    });
    int8 = await insertModelVersion(sql, {
      name: 'tiles-int8',
      version: 1,
      trainingJobId: jobId,
      metrics: {
        quantization: {
          variant: 'int8',
          of: candidate,
          fp32Accuracy: 0.9,
          int8Accuracy: 0.8875,
          accuracyChangePoints: -1.25,
          testImages: 80,
        },
      },
    });
  });
  afterAll(async () => {
    await sql.end();
    await api.stop();
  });

  const auditOf = async (action: string) =>
    (
      await sql.query(
        `SELECT actor_id, target_id, details FROM audit_events WHERE action = $1 ORDER BY id DESC LIMIT 1`,
        [action],
      )
    ).rows[0];

  describe('artefacts', () => {
    it('serves the per-epoch curves of the job that trained the version', async () => {
      const result = await api.call('GET', `/api/v1/models/${candidate}/curves`, { token: qa.token });
      expect(result.status).toBe(200);
      expect(result.body).toMatchObject({ modelVersionId: candidate, trainingJobId: jobId, bestEpoch: 5 });
      expect(result.body.epochs.map((e: { epoch: number }) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
      const first = result.body.epochs[0];
      const last = result.body.epochs[5];
      expect(last.trainLoss).toBeLessThan(first.trainLoss);
      expect(last.valAccuracy).toBeGreaterThan(first.valAccuracy);
      expect(typeof first.learningRate).toBe('number');
    });

    it('serves no curve points for a version without a training job', async () => {
      const result = await api.call('GET', `/api/v1/models/${production}/curves`, { token: qa.token });
      expect(result.body).toEqual({
        modelVersionId: production,
        trainingJobId: null,
        bestEpoch: null,
        epochs: [],
      });
    });

    it('serves the resolved config and the dataset the job was given', async () => {
      const result = await api.call('GET', `/api/v1/models/${candidate}/config`, { token: engineer.token });
      expect(result.status).toBe(200);
      expect(result.body).toEqual({
        modelVersionId: candidate,
        trainingJobId: jobId,
        config: resolvedConfig,
        dataset: { kind: 'folder', path: 'magnetic-tile' },
      });
    });

    it('serves the stored evaluation with the int8 variant and its accuracy change', async () => {
      const result = await api.call('GET', `/api/v1/models/${candidate}/evaluation`, { token: qa.token });
      expect(result.status).toBe(200);
      const body = result.body;
      expect(body.detail.classNames).toEqual(['ok', 'defect']);
      expect(body.detail.perClass.map((c: { className: string }) => c.className)).toEqual(['ok', 'defect']);
      expect(body.detail.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(
        body.detail.testCount,
      );
      expect(body.detail.defect.rocAuc).toBeGreaterThan(0.9);
      expect(body.rocAuc).toBe(body.detail.defect.rocAuc);
      expect(body.detail.defect.rocCurve.length).toBeGreaterThan(2);
      expect(body.detail.defect.prCurve.length).toBeGreaterThan(2);
      expect(body.detail.calibration.bins).toHaveLength(10);
      expect(body.operatingThreshold).toBe(body.detail.defect.operatingPoint.threshold);
      expect(body.reviewShare).toBe(body.detail.defect.operatingPoint.test.reviewRate);
      expect(body.quantization).toMatchObject({
        variant: 'int8',
        variantId: int8,
        of: candidate,
        name: 'tiles-int8',
        accuracyChangePoints: -1.25,
        int8Accuracy: 0.8875,
      });
      const variant = await api.call('GET', `/api/v1/models/${int8}/evaluation`, { token: qa.token });
      expect(variant.body).toMatchObject({ detail: null, quantization: { variantId: int8, of: candidate } });
      const none = await api.call('GET', `/api/v1/models/${production}/evaluation`, { token: qa.token });
      expect(none.body.quantization).toBeNull();
    });

    it.each(['curves', 'config', 'evaluation'])(
      'answers 404 for an unknown version and 400 for a bad id (%s)',
      async (what) => {
        const missing = await api.call('GET', `/api/v1/models/${randomUUID()}/${what}`, { token: qa.token });
        expect(missing.status).toBe(404);
        expect(missing.body).toMatchObject({ statusCode: 404, error: 'model_not_found' });
        const bad = await api.call('GET', `/api/v1/models/not-a-uuid/${what}`, { token: qa.token });
        expect(bad.status).toBe(400);
      },
    );
  });

  describe('promote and roll back with a reason', () => {
    it('refuses a promotion without a reason, or with a blank one, and changes nothing', async () => {
      for (const json of [undefined, {}, { reason: '   ' }, { reason: 42 }]) {
        const result = await api.call('POST', `/api/v1/models/${candidate}/promote`, {
          token: engineer.token,
          json,
        });
        expect({ json, status: result.status }).toEqual({ json, status: 400 });
        expect(result.body.message).toMatch(/reason/);
      }
      const stage = await sql.query(`SELECT stage FROM model_versions WHERE id = $1`, [candidate]);
      expect(stage.rows[0].stage).toBe('candidate');
    });

    it('refuses qa people (403)', async () => {
      const promote = await api.call('POST', `/api/v1/models/${candidate}/promote`, {
        token: qa.token,
        json: { reason: 'qa should not' },
      });
      expect(promote.status).toBe(403);
      const rollback = await api.call('POST', '/api/v1/models/rollback', {
        token: qa.token,
        json: { reason: 'no' },
      });
      expect(rollback.status).toBe(403);
    });

    it('answers 404 for an unknown version', async () => {
      const result = await api.call('POST', `/api/v1/models/${randomUUID()}/promote`, {
        token: engineer.token,
        json: { reason: 'ghost' },
      });
      expect(result.status).toBe(404);
    });

    it('promotes, then rolls back, each with its reason and actor in the audit log', async () => {
      const promoted = await api.call('POST', `/api/v1/models/${candidate}/promote`, {
        token: engineer.token,
        json: { reason: '  better crack recall on last week reviews  ' },
      });
      expect(promoted.status).toBe(200);
      expect(promoted.body).toMatchObject({ id: candidate, stage: 'production' });
      expect(await auditOf('model.promote')).toEqual({
        actor_id: engineer.id,
        target_id: candidate,
        details: { previous: production, reason: 'better crack recall on last week reviews' },
      });
      const missing = await api.call('POST', '/api/v1/models/rollback', { token: engineer.token });
      expect(missing.status).toBe(400);
      const rolled = await api.call('POST', '/api/v1/models/rollback', {
        token: engineer.token,
        json: { reason: 'false rejects doubled on line 2' },
      });
      expect(rolled.status).toBe(200);
      expect(rolled.body).toMatchObject({ id: production, stage: 'production' });
      expect(await auditOf('model.rollback')).toEqual({
        actor_id: engineer.id,
        target_id: production,
        details: { previous: candidate, reason: 'false rejects doubled on line 2' },
      });
    });
  });

  describe('per-line overrides', () => {
    it('lets an ML engineer pin a version on a line and clear it; qa is refused', async () => {
      const { lineId } = await createLineWithCamera(api, `override-${randomUUID().slice(0, 6)}`);
      const pin = await api.call('POST', '/api/v1/models/line-override', {
        token: engineer.token,
        json: { lineId, modelVersionId: candidate },
      });
      expect(pin.status).toBe(200);
      expect(pin.body).toMatchObject({ id: lineId, modelVersionId: candidate });
      expect(pin.body.webhookSecret).toBeUndefined();
      const line = await api.call('GET', `/api/v1/lines/${lineId}`, { token: qa.token });
      expect(line.body.modelVersionId).toBe(candidate);
      expect((await auditOf('line.update')).details).toEqual({ modelVersionId: candidate });

      const refused = await api.call('POST', '/api/v1/models/line-override', {
        token: qa.token,
        json: { lineId, modelVersionId: null },
      });
      expect(refused.status).toBe(403);
      const unknownModel = await api.call('POST', '/api/v1/models/line-override', {
        token: engineer.token,
        json: { lineId, modelVersionId: randomUUID() },
      });
      expect(unknownModel.status).toBe(400);
      const unknownLine = await api.call('POST', '/api/v1/models/line-override', {
        token: engineer.token,
        json: { lineId: randomUUID(), modelVersionId: null },
      });
      expect(unknownLine.status).toBe(404);

      const clear = await api.call('POST', '/api/v1/models/line-override', {
        token: engineer.token,
        json: { lineId, modelVersionId: null },
      });
      expect(clear.body.modelVersionId).toBeNull();
    });
  });

  describe('shadow evaluation, live', () => {
    it('announces every shadow result on the event log with whether it agreed, for engineers only', async () => {
      const { lineId, cameraId } = await createLineWithCamera(api, `shadow-${randomUUID().slice(0, 6)}`);
      const start = await api.call('POST', `/api/v1/models/${candidate}/shadow`, {
        token: engineer.token,
        json: { enabled: true },
      });
      expect(start.status).toBe(200);
      const [agreeing, disagreeing] = await insertInspections(sql, [
        { lineId, cameraId, receivedAt: new Date(), verdict: 'ok', modelVersionId: production },
        { lineId, cameraId, receivedAt: new Date(), verdict: 'ok', modelVersionId: production },
      ]);
      for (const [inspectionId, verdict] of [
        [agreeing, 'ok'],
        [disagreeing, 'defect'],
      ])
        await sql.query(
          `INSERT INTO shadow_results (inspection_id, model_version_id, verdict, score, production_model_version_id,
                                       production_verdict, production_score)
           VALUES ($1, $2, $3, 0.5, $4, 'ok', 0.1)`,
          [inspectionId, candidate, verdict, production],
        );
      const events = await sql.query(`SELECT audience, data FROM events WHERE type = 'shadow' ORDER BY id`);
      expect(events.rows).toEqual([
        {
          audience: 'training',
          data: {
            modelVersionId: candidate,
            inspectionId: agreeing,
            verdict: 'ok',
            productionVerdict: 'ok',
            agree: true,
          },
        },
        {
          audience: 'training',
          data: {
            modelVersionId: candidate,
            inspectionId: disagreeing,
            verdict: 'defect',
            productionVerdict: 'ok',
            agree: false,
          },
        },
      ]);
      const model = await sql.query(
        `SELECT data FROM events WHERE type = 'model' AND data->>'modelVersionId' = $1 ORDER BY id DESC LIMIT 1`,
        [candidate],
      );
      expect(model.rows[0].data).toMatchObject({ shadow: true });
      const report = await api.call('GET', `/api/v1/models/${candidate}/shadow-report`, { token: qa.token });
      expect(report.body).toMatchObject({ total: 2, agreements: 1, agreementRate: 0.5 });
    });
  });
});
