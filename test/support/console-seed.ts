import { evaluateProbabilities, evaluationRecord, evaluationSummary } from '@linescope/training/engine';
import { randomUUID } from 'node:crypto';
import { type Client } from 'pg';
import { type ApiHarness } from './api-harness';

export interface SeededLine {
  lineId: string;
  cameraId: string;
  cameraKey: string;
}

/** A line and one camera, made through the API as an administrator would. */
export async function createLineWithCamera(
  api: ApiHarness,
  name: string,
  line: Record<string, unknown> = {},
  cameraName = 'cam-1',
): Promise<SeededLine> {
  const created = await api.call('POST', '/api/v1/lines', {
    token: api.adminToken,
    json: { name, verdictMode: 'async', ...line },
  });
  if (created.status !== 201) throw new Error(`line: ${JSON.stringify(created.body)}`);
  const camera = await api.call('POST', `/api/v1/lines/${created.body.id}/cameras`, {
    token: api.adminToken,
    json: { name: cameraName, rateLimitPerSecond: 1000 },
  });
  if (camera.status !== 201) throw new Error(`camera: ${JSON.stringify(camera.body)}`);
  return { lineId: created.body.id, cameraId: camera.body.camera.id, cameraKey: camera.body.apiKey };
}

export interface SeedModelInput {
  name?: string;
  version?: number;
  threshold?: number | null;
  low?: number | null;
  high?: number | null;
  architecture?: string;
  stage?: 'candidate' | 'production' | 'archived';
  config?: Record<string, unknown>;
  metrics?: Record<string, unknown>;
  evaluation?: Record<string, unknown> | null;
  trainingJobId?: string | null;
}

/** A model version row as the trainer registers one (no artifact is read by these tests). */
export async function insertModelVersion(sql: Client, input: SeedModelInput = {}): Promise<string> {
  const result = await sql.query(
    `INSERT INTO model_versions (name, version, architecture, spec, input_height, input_width, class_names,
                                 preprocessing, artifact_key, operating_threshold, uncertain_low, uncertain_high,
                                 stage, config, metrics, evaluation, training_job_id)
     VALUES ($1, $2, $3, '{}', 64, 64, '["ok","defect"]', '{}', $4, $5, $6, $7, $8, $9, $10, $11, $12)
     RETURNING id`,
    [
      input.name ?? 'tiles',
      input.version ?? 1,
      input.architecture ?? 'resnet',
      `models/${randomUUID()}`,
      input.threshold ?? null,
      input.low ?? null,
      input.high ?? null,
      input.stage ?? 'candidate',
      input.config ?? {},
      input.metrics ?? {},
      input.evaluation ?? null,
      input.trainingJobId ?? null,
    ],
  );
  return result.rows[0].id;
}

/** A deterministic generator in [0, 1), so seeded figures are the same every run. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/**
 * Realistic ok/defect figures, measured by the trainer's own code (`evaluateProbabilities`, `evaluationRecord`,
 * `evaluationSummary`) on synthetic scores of the given `skill` (0: chance, 1: perfect): what a model version row
 * holds after a training, without training one.
 */
export function measuredModel(skill: number, seed: number, samples = 120) {
  const random = seededRandom(seed);
  const split = (count: number) => {
    const labels = Array.from({ length: count }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const probabilities = labels.map((label) => {
      const noise = random();
      const defect = Math.min(
        0.999,
        Math.max(0.001, skill * label + (1 - skill) * noise + (random() - 0.5) * 0.2),
      );
      return [1 - defect, defect];
    });
    return { labels, probabilities };
  };
  const evaluation = evaluateProbabilities(
    { test: split(samples), validation: split(samples) },
    {
      classNames: ['ok', 'defect'],
      positiveClasses: ['defect'],
      targetRecall: 0.95,
      band: { safeRecall: 0.99, safePrecision: 0.95 },
    },
  );
  const op = evaluation.defect?.operatingPoint;
  return {
    evaluation: evaluationRecord(evaluation, ['ok', 'defect']) as unknown as Record<string, unknown>,
    metrics: evaluationSummary(evaluation) as Record<string, unknown>,
    threshold: op?.threshold.threshold ?? 0.5,
    low: op?.band.low ?? 0.5,
    high: op?.band.high ?? 0.5,
  };
}

/** A finished training job with per-epoch rows, as the trainer leaves one. */
export async function insertTrainingJob(
  sql: Client,
  input: { config: Record<string, unknown>; epochs: number; seed: number },
): Promise<string> {
  const random = seededRandom(input.seed);
  const job = await sql.query(
    `INSERT INTO training_jobs (status, config, progress, started_at, finished_at)
     VALUES ('succeeded', $1, $2, now() - interval '10 minutes', now()) RETURNING id`,
    [input.config, { phase: 'done', epoch: input.epochs, epochs: input.epochs }],
  );
  const id: string = job.rows[0].id;
  for (let epoch = 1; epoch <= input.epochs; epoch++) {
    const progress = epoch / input.epochs;
    await sql.query(`INSERT INTO training_epochs (training_job_id, epoch, metrics) VALUES ($1, $2, $3)`, [
      id,
      epoch,
      {
        trainLoss: 0.7 * (1 - 0.8 * progress) + random() * 0.02,
        trainAccuracy: 0.55 + 0.4 * progress,
        valLoss: 0.72 * (1 - 0.7 * progress) + random() * 0.03,
        valAccuracy: 0.52 + 0.38 * progress,
        learningRate: 0.001 * 0.5 * (1 + Math.cos(Math.PI * progress)),
        durationSeconds: 3 + random(),
      },
    ]);
  }
  return id;
}

export interface SeedInspection {
  lineId: string;
  cameraId: string;
  receivedAt: Date;
  status?: 'pending' | 'scored' | 'failed';
  verdict?: 'ok' | 'defect' | 'uncertain' | null;
  score?: number | null;
  modelVersionId?: string | null;
  totalMs?: number | null;
  imageKey?: string;
}

/** Inserts inspection rows straight into the table (fast, with chosen times), as the verdict recorder leaves them. */
export async function insertInspections(sql: Client, rows: SeedInspection[]): Promise<string[]> {
  const ids: string[] = [];
  for (const row of rows) {
    const status = row.status ?? (row.verdict ? 'scored' : 'pending');
    const result = await sql.query(
      `INSERT INTO inspections (line_id, camera_id, image_key, image_sha256, image_bytes, width, height, format,
                                received_at, status, verdict, score, model_version_id, latency)
       VALUES ($1, $2, $3, repeat('0', 64), 100, 64, 64, 'jpeg', $4, $5, $6, $7, $8, $9) RETURNING id`,
      [
        row.lineId,
        row.cameraId,
        row.imageKey ?? `images/seed/${randomUUID()}.jpeg`,
        row.receivedAt,
        status,
        row.verdict ?? null,
        row.score ?? (row.verdict ? 0.5 : null),
        row.modelVersionId ?? null,
        row.totalMs === undefined || row.totalMs === null ? null : { totalMs: row.totalMs, forwardMs: 1 },
      ],
    );
    ids.push(result.rows[0].id);
  }
  return ids;
}
