import { AWAITING_MODEL_REASON, DatabaseTransactions, InspectionRepository } from '@linescope/db';
import { VerdictRecorder } from '@linescope/inspections';
import { S3ObjectStore } from '@linescope/storage';
import pino from 'pino';
import { randomUUID } from 'node:crypto';
import { type CameraPrincipal } from '../auth/principals';
import { InferenceClient } from '../inference/inference.client';
import { CameraRepository } from '../repositories/camera.repository';
import { datasetImages } from '../../../../test/support/datasets';
import { type HttpStub, startHttpStub } from '../../../../test/support/http-stub';
import { freePort } from '../../../../test/support/ports';
import {
  apiErrorOf,
  createServiceTestBed,
  type ServiceTestBed,
} from '../../../../test/support/service-testing';
import { seedCamera, seedLine, seedModelVersion } from '../../../../test/support/seed';
import { CameraLastSeen } from './camera-last-seen';
import { InspectionIntakeService, type Upload } from './inspection-intake.service';

const [CRACK, OK] = [
  datasetImages('magnetic-tile', 'crack', 1)[0],
  datasetImages('magnetic-tile', 'ok', 1)[0],
];

describe('InspectionIntakeService (real PostgreSQL, queue, S3 and images)', () => {
  let bed: ServiceTestBed;
  let service: InspectionIntakeService;
  let inference: HttpStub;
  let modelVersionId: string;
  let lineId: string;

  beforeAll(async () => {
    inference = await startHttpStub(() => ({ status: 503, json: { error: 'no_model', message: 'none' } }));
    bed = await createServiceTestBed(
      [VerdictRecorder, InferenceClient, CameraRepository, CameraLastSeen, InspectionIntakeService],
      { queue: true, s3: true, env: { INFERENCE_URLS: inference.url } },
    );
    service = bed.get(InspectionIntakeService);
    modelVersionId = await seedModelVersion(bed.dataSource);
    lineId = await seedLine(bed.dataSource);
  });
  afterAll(async () => {
    await bed.close();
    await inference.close();
  });

  const camera = async (verdictMode: 'sync' | 'async'): Promise<CameraPrincipal> => ({
    kind: 'camera',
    cameraId: await seedCamera(bed.dataSource, lineId),
    lineId,
    keyId: randomUUID(),
    rateLimitPerSecond: null,
    line: { verdictMode, verdictDeadlineMs: 5_000 },
  });
  const upload = (bytes: Buffer, extra: Partial<Upload> = {}): Upload => ({
    bytes,
    contentType: 'image/jpeg',
    receivedAt: Date.now(),
    receiveMs: 1,
    ...extra,
  });
  const stored = async () => {
    const keys: string[] = [];
    for await (const info of bed.store!.list('images/')) keys.push(info.key);
    return keys;
  };
  const rowsOf = (cameraId: string) =>
    bed.dataSource.query<{ id: string; image_key: string; status: string; failure_reason: string | null }[]>(
      `SELECT id, image_key, status, failure_reason FROM inspections WHERE camera_id = $1`,
      [cameraId],
    );
  const scoringJobs = async (inspectionId: string) =>
    (
      await bed.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'score-inspection' AND data->>'inspectionId' = $1`,
        [inspectionId],
      )
    )[0].n;

  it('on an async line stores the exact bytes, then commits the row with its scoring job, and answers 202', async () => {
    const cam = await camera('async');
    const result = await service.ingest(cam, upload(CRACK.bytes));
    expect(result.httpStatus).toBe(202);
    expect(result.inspection).toMatchObject({ status: 'pending', image: { format: 'jpeg' } });
    const [row] = await rowsOf(cam.cameraId);
    expect(row.image_key).toMatch(new RegExp(`^images/${lineId}/\\d{4}-\\d{2}-\\d{2}/${row.id}\\.jpeg$`));
    expect((await bed.store!.get(row.image_key)).equals(CRACK.bytes)).toBe(true);
    expect(await scoringJobs(row.id)).toBe(1);
  });

  it('refuses a broken image, a mismatched type and trailing bytes, storing no object and no row', async () => {
    const cam = await camera('async');
    const before = await stored();
    const refusals = [
      await apiErrorOf(service.ingest(cam, upload(CRACK.bytes.subarray(0, 4_000)))),
      await apiErrorOf(service.ingest(cam, upload(CRACK.bytes, { contentType: 'image/png' }))),
      await apiErrorOf(
        service.ingest(cam, upload(Buffer.concat([CRACK.bytes, Buffer.from('PK\x03\x04zip')]))),
      ),
    ];
    expect(refusals).toEqual([
      { status: 422, error: 'corrupt_image' },
      { status: 415, error: 'content_type_mismatch' },
      { status: 422, error: 'trailing_data' },
    ]);
    expect(await stored()).toEqual(before);
    expect(await rowsOf(cam.cameraId)).toEqual([]);
  });

  it('answers a retry with the same idempotency key from the first upload, and refuses the key for another image', async () => {
    const cam = await camera('async');
    const first = await service.ingest(cam, upload(CRACK.bytes, { idempotencyKey: 'k-1' }));
    const objects = await stored();
    const replay = await service.ingest(cam, upload(CRACK.bytes, { idempotencyKey: 'k-1' }));
    expect(replay).toEqual({ httpStatus: 200, inspection: first.inspection });
    expect(await apiErrorOf(service.ingest(cam, upload(OK.bytes, { idempotencyKey: 'k-1' })))).toEqual({
      status: 409,
      error: 'idempotency_key_reused',
    });
    expect(await rowsOf(cam.cameraId)).toHaveLength(1);
    expect(await stored()).toEqual(objects);
  });

  it('removes the stored object when the row cannot be written', async () => {
    const ghost = { ...(await camera('async')), cameraId: randomUUID() }; // no such camera: the row is refused
    const before = await stored();
    expect(await apiErrorOf(service.ingest(ghost, upload(CRACK.bytes)))).toEqual({
      status: 503,
      error: 'database_unavailable',
    });
    expect(await stored()).toEqual(before);
  });

  it('answers 503 storage_unavailable when the object store does not answer, recording no row', async () => {
    const unreachable = new S3ObjectStore({
      endpoint: { endPoint: '127.0.0.1', port: await freePort(), useSSL: false },
      bucket: 'linescope-test',
      accessKey: 'S3RVER',
      secretKey: 'S3RVER',
    });
    const withoutStorage = new InspectionIntakeService(
      bed.get(InspectionRepository),
      bed.get(DatabaseTransactions),
      bed.get(VerdictRecorder),
      bed.queue!,
      bed.get(InferenceClient),
      unreachable,
      bed.config,
      pino({ level: 'silent' }),
      bed.get(CameraLastSeen),
    );
    const cam = await camera('async');
    expect(await apiErrorOf(withoutStorage.ingest(cam, upload(CRACK.bytes)))).toEqual({
      status: 503,
      error: 'storage_unavailable',
    });
    expect(await rowsOf(cam.cameraId)).toEqual([]);
  });

  it('on a sync line answers 201 with the verdict the inference service gave, recorded on the row', async () => {
    inference.respond = () => ({
      status: 200,
      json: {
        modelVersionId,
        verdict: 'defect',
        score: 0.93,
        probabilities: { ok: 0.07, defect: 0.93 },
        engine: 'test',
        timing: { inferenceMs: 3 },
      },
    });
    const cam = await camera('sync');
    const result = await service.ingest(cam, upload(CRACK.bytes));
    expect(result.httpStatus).toBe(201);
    expect(result.inspection).toMatchObject({
      status: 'scored',
      verdict: 'defect',
      score: 0.93,
      modelVersionId,
    });
    const [row] = await rowsOf(cam.cameraId);
    expect(row.status).toBe('scored');
    expect(await scoringJobs(row.id)).toBe(0);
  });

  it('when no model serves the line, answers 202 pending with the reason and queues the scoring', async () => {
    inference.respond = () => ({
      status: 503,
      json: { error: 'no_model', message: 'no model serves the line' },
    });
    const cam = await camera('sync');
    const result = await service.ingest(cam, upload(CRACK.bytes));
    expect(result.httpStatus).toBe(202);
    expect(result.inspection).toMatchObject({ status: 'pending', failureReason: AWAITING_MODEL_REASON });
    const [row] = await rowsOf(cam.cameraId);
    expect(row.failure_reason).toBe(AWAITING_MODEL_REASON);
    expect(await scoringJobs(row.id)).toBe(1);
  });
});
