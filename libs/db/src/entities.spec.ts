import { createHash, randomUUID } from 'node:crypto';
import { type DataSource, type EntityTarget, type ObjectLiteral, QueryFailedError } from 'typeorm';
import { createMigratedDatabase, type TestDatabase } from '../../../test/support/database';
import {
  AuditEventEntity,
  CameraApiKeyEntity,
  CameraEntity,
  InspectionEntity,
  LabelSetEntity,
  LabelSetItemEntity,
  ModelPromotionEntity,
  ModelVersionEntity,
  ProductionLineEntity,
  ShadowResultEntity,
  ReviewEntity,
  TrainingEpochEntity,
  TrainingJobEntity,
  UserApiTokenEntity,
  UserEntity,
} from './entities';

describe('entities round-trip through PostgreSQL', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    ({ db, dataSource: ds } = await createMigratedDatabase());
  });
  afterAll(async () => db.drop());

  /** Saves a row, reads it back by primary key, and checks every given field survived. */
  async function roundTrip<T extends ObjectLiteral>(target: EntityTarget<T>, fields: Partial<T>): Promise<T> {
    const repo = ds.getRepository(target);
    const saved = await repo.save(repo.create(fields as T));
    const ids = repo.getId(saved) as string | Record<string, unknown>;
    const found = await repo.findOneByOrFail(
      (typeof ids === 'object' ? ids : { [repo.metadata.primaryColumns[0].propertyName]: ids }) as never,
    );
    expect(found).toMatchObject(fields);
    return found;
  }

  const sha = (s: string) => createHash('sha256').update(s).digest('hex');

  it('round-trips the whole graph: users, lines, cameras, keys, models, inspections, reviews, label sets, jobs, audit', async () => {
    const reviewer = await roundTrip(UserEntity, {
      email: 'qa@example.com',
      displayName: 'Q. A.',
      role: 'qa',
    });
    const engineer = await roundTrip(UserEntity, {
      email: 'ml@example.com',
      displayName: 'M. L.',
      role: 'ml_engineer',
    });
    expect(reviewer.createdAt).toBeInstanceOf(Date);
    await roundTrip(UserApiTokenEntity, {
      userId: engineer.id,
      name: 'laptop',
      tokenPrefix: 'lsu_abcd',
      tokenHash: sha('token'),
      expiresAt: new Date('2027-01-01T00:00:00Z'),
    });

    const model = await roundTrip(ModelVersionEntity, {
      name: 'tiles',
      version: 1,
      architecture: 'mobilenetv2',
      spec: { arch: 'mobilenetv2', alpha: 0.35 },
      inputHeight: 96,
      inputWidth: 96,
      classNames: ['ok', 'defect'],
      preprocessing: { resize: 'squash', normalization: 'mobilenet' },
      config: { epochs: 3 },
      metrics: { rocAuc: 0.97 },
      operatingThreshold: 0.31,
      uncertainLow: 0.2,
      uncertainHigh: 0.4,
      artifactKey: 'models/x/',
      onnxKey: null,
      stage: 'candidate',
      datasetFingerprint: sha('data'),
    });

    const line = await roundTrip(ProductionLineEntity, {
      name: 'line-1',
      verdictMode: 'async',
      verdictDeadlineMs: 150,
      operatingThreshold: 0.5,
      modelVersionId: model.id,
      webhookUrl: 'http://127.0.0.1:9/hook',
    });
    const camera = await roundTrip(CameraEntity, { lineId: line.id, name: 'cam-a', rateLimitPerSecond: 20 });
    await roundTrip(CameraApiKeyEntity, { cameraId: camera.id, keyPrefix: 'ls_abcd', keyHash: sha('key') });

    const inspection = await roundTrip(InspectionEntity, {
      lineId: line.id,
      cameraId: camera.id,
      productSerial: 'SN-1',
      idempotencyKey: 'retry-1',
      imageKey: `images/${randomUUID()}.jpg`,
      imageSha256: sha('img'),
      imageBytes: 1234,
      width: 300,
      height: 200,
      format: 'jpeg',
      capturedAt: new Date('2026-11-01T10:00:00Z'),
      status: 'scored',
      verdict: 'defect',
      score: 0.93,
      probabilities: { ok: 0.07, defect: 0.93 },
      modelVersionId: model.id,
      latency: { decodeMs: 1.5, preprocessMs: 2, forwardMs: 10, totalMs: 14, engine: 'tfjs-wasm' },
      heatmapKey: 'heatmaps/x.png',
    });

    const review = await roundTrip(ReviewEntity, {
      inspectionId: inspection.id,
      reviewerId: reviewer.id,
      decision: 'defect',
      defectType: 'crack',
      note: 'visible crack at left edge',
    });

    const labelSet = await roundTrip(LabelSetEntity, {
      name: 'reviews-2026-11',
      task: 'ok-vs-defect',
      source: { kind: 'reviews', reviewedBefore: '2026-11-02T00:00:00Z' },
      classNames: ['ok', 'defect'],
      itemCount: 1,
      fingerprint: sha('ls'),
      createdBy: engineer.id,
      frozenAt: new Date(),
    });
    await roundTrip(LabelSetItemEntity, {
      labelSetId: labelSet.id,
      inspectionId: inspection.id,
      reviewId: review.id,
      label: 'defect',
    });

    const job = await roundTrip(TrainingJobEntity, {
      status: 'running',
      config: { arch: 'resnet10', epochs: 30 },
      labelSetId: labelSet.id,
      teacherId: model.id,
      progress: { epoch: 2, epochs: 30, loss: 0.4 },
      checklist: [{ check: 'initial-loss', status: 'pass', message: 'near ln(2)', evidence: { loss: 0.69 } }],
      log: 'started\n',
      checkpointKey: 'checkpoints/j/epoch-2/',
      attempt: 1,
      createdBy: engineer.id,
    });
    await roundTrip(TrainingEpochEntity, {
      trainingJobId: job.id,
      epoch: 0,
      metrics: {
        trainLoss: 0.7,
        trainAccuracy: 0.5,
        valLoss: 0.69,
        valAccuracy: 0.55,
        learningRate: 0.01,
        durationSeconds: 3,
      },
    });
    await roundTrip(ModelVersionEntity, {
      name: 'tiles-vit',
      version: 1,
      architecture: 'vit',
      spec: { arch: 'vit' },
      inputHeight: 64,
      inputWidth: 64,
      classNames: ['ok', 'defect'],
      preprocessing: {},
      artifactKey: 'models/y/',
      teacherId: model.id,
      trainingJobId: job.id,
    });

    await roundTrip(ModelPromotionEntity, {
      modelVersionId: model.id,
      previousVersionId: null,
      kind: 'promote',
      actorId: engineer.id,
    });
    await roundTrip(ShadowResultEntity, {
      inspectionId: inspection.id,
      modelVersionId: model.id,
      verdict: 'ok',
      score: 0.1,
      productionModelVersionId: model.id,
      productionVerdict: 'defect',
      productionScore: 0.93,
    });

    const event = await roundTrip(AuditEventEntity, {
      actorType: 'user',
      actorId: engineer.id,
      action: 'model.promote',
      targetType: 'model_version',
      targetId: model.id,
      details: { from: 'candidate', to: 'production' },
    });
    expect(typeof event.id).toBe('string');
  });

  it('keeps reviews and audit events append-only', async () => {
    const [event] = await ds.getRepository(AuditEventEntity).find({ take: 1 });
    await expect(ds.query(`UPDATE audit_events SET action = 'x' WHERE id = $1`, [event.id])).rejects.toThrow(
      /append-only/,
    );
    await expect(ds.query(`DELETE FROM reviews`)).rejects.toThrow(/reviews is append-only: DELETE/);
  });

  it('allows at most one production model version', async () => {
    const repo = ds.getRepository(ModelVersionEntity);
    const base = {
      architecture: 'resnet',
      spec: {},
      inputHeight: 32,
      inputWidth: 32,
      classNames: ['ok', 'defect'],
      preprocessing: {},
      artifactKey: 'models/z/',
      stage: 'production' as const,
    };
    await repo.save(repo.create({ ...base, name: 'p', version: 1 }));
    await expect(repo.save(repo.create({ ...base, name: 'p', version: 2 }))).rejects.toBeInstanceOf(
      QueryFailedError,
    );
  });

  it('refuses a scored inspection without a verdict, and a second row for the same idempotency key', async () => {
    const line = await ds.getRepository(ProductionLineEntity).save({ name: 'line-2' });
    const camera = await ds.getRepository(CameraEntity).save({ lineId: line.id, name: 'cam' });
    const repo = ds.getRepository(InspectionEntity);
    const row = (key: string, extra: Partial<InspectionEntity> = {}) =>
      repo.create({
        lineId: line.id,
        cameraId: camera.id,
        imageKey: `images/${randomUUID()}.png`,
        imageSha256: sha(key),
        imageBytes: 10,
        width: 1,
        height: 1,
        format: 'png',
        ...extra,
      });
    await expect(repo.save(row('a', { status: 'scored' }))).rejects.toThrow(/check/i);
    await repo.save(row('b', { idempotencyKey: 'k-1' }));
    await expect(repo.save(row('c', { idempotencyKey: 'k-1' }))).rejects.toThrow(/inspections_idempotency/);
  });
});
