import { hashPassword, hashSecret } from '@linescope/accounts';
import { type ObjectStore } from '@linescope/storage';
import { createHash } from 'node:crypto';
import { Client } from 'pg';
import sharp from 'sharp';
import { EXAMPLE_IDS } from '../../apps/api/src/openapi/example-ids';
import { EXAMPLES } from '../../apps/api/src/openapi/examples';

/** Credentials of the seeded principals that the examples test sends. */
export const EXAMPLE_CAMERA_KEY = 'lsk_examplesCameraKey0123456789abcdefABCDEF';
export const EXAMPLE_USER = { email: 'qa.lead@example.com', password: 'a long passphrase' } as const;
const EXAMPLE_WEBHOOK_SECRET = 'whsec_examplesWebhookSecret0123456789';

const IMAGE_KEY = 'images/examples/inspection.png';
const HEATMAP_KEY = 'heatmaps/examples/inspection.png';

/** A small real PNG (what an upload sends and what the seeded inspection's image is). */
export function examplePng(): Promise<Buffer> {
  return sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 180, g: 120, b: 60 } } })
    .png()
    .toBuffer();
}

type Row = Record<string, unknown>;

/** INSERT, or put an existing row back to these values (ON CONFLICT on its primary key). */
async function upsert(sql: Client, table: string, row: Row, key = ['id']): Promise<void> {
  const columns = Object.keys(row);
  const values = columns.map((column) => {
    const value = row[column];
    // jsonb: pg would send a JS array as a PostgreSQL array.
    return value !== null && typeof value === 'object' && !(value instanceof Date)
      ? JSON.stringify(value)
      : value;
  });
  const updates = columns.filter((c) => !key.includes(c)).map((c) => `${c} = EXCLUDED.${c}`);
  await sql.query(
    `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})
     ON CONFLICT (${key.join(', ')}) DO ${updates.length ? `UPDATE SET ${updates.join(', ')}` : 'NOTHING'}`,
    values,
  );
}

/**
 * A database in which every id of apps/api/src/openapi/example-ids.ts exists, in one known state. `restore()`
 * puts every seeded row back to that state, so each example is sent against the same data whatever the examples
 * before it changed (a promotion, a revoked key, a disabled user, a cancelled job...). Rows the examples created
 * stay; they never collide with the seeded names.
 */
export class ExampleSeed {
  private complete = false;

  private constructor(
    private readonly sql: Client,
    private readonly passwordHash: string,
    private readonly receivedAt: Date,
    private readonly adminUserId: string,
    private readonly webhookUrl: string,
  ) {}

  /** `webhookUrl`: a receiver the caller runs, the seeded line's webhook (its test send must reach something). */
  static async create(
    databaseUrl: string,
    store: ObjectStore,
    adminUserId: string,
    webhookUrl: string,
  ): Promise<ExampleSeed> {
    const sql = new Client({ connectionString: databaseUrl });
    await sql.connect();
    const receivedAt = new Date(Date.now() - 3_600_000);
    const seed = new ExampleSeed(
      sql,
      await hashPassword(EXAMPLE_USER.password),
      receivedAt,
      adminUserId,
      webhookUrl,
    );
    const image = await examplePng();
    await store.put(IMAGE_KEY, image, { contentType: 'image/png' });
    await store.put(HEATMAP_KEY, image, { contentType: 'image/png' });
    await seed.restore();
    await seed.insertOnce(image);
    seed.complete = true;
    return seed;
  }

  /** Puts every seeded row back as it was first written. */
  async restore(): Promise<void> {
    const sql = this.sql;
    await sql.query('DELETE FROM login_failures');
    await upsert(sql, 'users', {
      id: EXAMPLE_IDS.user,
      email: EXAMPLE_USER.email,
      display_name: 'QA lead',
      role: 'qa',
      password_hash: this.passwordHash,
      disabled_at: null,
    });
    // At most one version serves production: step the current one down before the seeded one takes it back.
    await sql.query(`UPDATE model_versions SET stage = 'candidate' WHERE stage = 'production'`);
    const model = {
      spec: {},
      input_height: 64,
      input_width: 64,
      class_names: ['ok', 'defect'],
      preprocessing: {},
      config: { architecture: 'mobilenetv2', epochs: 10 },
      metrics: { accuracy: 0.95 },
      operating_threshold: 0.5,
      uncertain_low: 0.35,
      uncertain_high: 0.65,
      shadow: false,
    };
    await upsert(sql, 'model_versions', {
      id: EXAMPLE_IDS.candidateModel,
      name: 'tiles',
      version: 2,
      architecture: 'mobilenetv2',
      artifact_key: 'models/examples/candidate/',
      stage: 'candidate',
      promoted_at: null,
      ...model,
    });
    await upsert(sql, 'model_versions', {
      id: EXAMPLE_IDS.model,
      name: 'tiles',
      version: 3,
      architecture: 'resnet18',
      artifact_key: 'models/examples/production/',
      stage: 'production',
      promoted_at: this.receivedAt,
      ...model,
      // The production version has its artefacts: the resolved config, the test-split evaluation, the best epoch.
      config: EXAMPLES.modelConfig.config,
      metrics: EXAMPLES.modelVersion.metrics,
      evaluation: EXAMPLES.evaluationDetail,
    });
    // The int8 variant of the production version, with its measured accuracy change (the evaluation shows it).
    const int8 = EXAMPLES.int8Model;
    await upsert(sql, 'model_versions', {
      id: EXAMPLE_IDS.int8Model,
      name: int8.name,
      version: int8.version,
      architecture: int8.architecture,
      artifact_key: 'models/examples/int8/',
      stage: 'candidate',
      promoted_at: null,
      ...model,
      metrics: int8.metrics,
    });
    await upsert(sql, 'production_lines', {
      id: EXAMPLE_IDS.line,
      name: 'tiles-line-1',
      description: 'Pressing line, hall B',
      verdict_mode: 'async',
      verdict_deadline_ms: 200,
      operating_threshold: null,
      uncertain_low: null,
      uncertain_high: null,
      model_version_id: null,
      defect_types: ['crack', 'blowhole'],
      webhook_url: this.webhookUrl,
      webhook_secret: EXAMPLE_WEBHOOK_SECRET,
    });
    await upsert(sql, 'cameras', {
      id: EXAMPLE_IDS.camera,
      line_id: EXAMPLE_IDS.line,
      name: 'cam-top-1',
      rate_limit_per_second: 1000,
    });
    await upsert(sql, 'camera_api_keys', {
      id: EXAMPLE_IDS.cameraKey,
      camera_id: EXAMPLE_IDS.camera,
      key_prefix: EXAMPLE_CAMERA_KEY.slice(0, 10),
      key_hash: hashSecret(EXAMPLE_CAMERA_KEY),
      revoked_at: null,
    });
    if (this.complete) await this.restoreTrainingJob();
  }

  /** Rows that no example changes (append-only reviews and what hangs on them), written once. */
  private async insertOnce(image: Buffer): Promise<void> {
    const { sql, adminUserId } = this;
    await upsert(
      sql,
      'inspections',
      {
        id: EXAMPLE_IDS.inspection,
        line_id: EXAMPLE_IDS.line,
        camera_id: EXAMPLE_IDS.camera,
        product_serial: 'SN-000123',
        image_key: IMAGE_KEY,
        image_sha256: createHash('sha256').update(image).digest('hex'),
        image_bytes: image.length,
        width: 64,
        height: 64,
        format: 'png',
        captured_at: this.receivedAt,
        received_at: this.receivedAt,
        status: 'scored',
        verdict: 'uncertain',
        score: 0.48,
        probabilities: { ok: 0.52, defect: 0.48 },
        model_version_id: EXAMPLE_IDS.model,
        latency: { storeMs: 2.1, forwardMs: 9.8, totalMs: 19.4 },
        heatmap_key: HEATMAP_KEY,
        scored_at: this.receivedAt,
      },
      // Partitioned by day of received_at, so its primary key holds both.
      ['id', 'received_at'],
    );
    await upsert(sql, 'reviews', {
      id: EXAMPLE_IDS.review,
      inspection_id: EXAMPLE_IDS.inspection,
      reviewer_id: EXAMPLE_IDS.user,
      decision: 'defect',
      defect_type: 'crack',
      note: 'hairline crack at the left edge',
    });
    await sql.query(
      `INSERT INTO model_promotions (model_version_id, previous_version_id, kind, actor_id)
       VALUES ($1, $2, 'promote', $3)`,
      [EXAMPLE_IDS.model, EXAMPLE_IDS.candidateModel, adminUserId],
    );
    await upsert(sql, 'label_sets', {
      id: EXAMPLE_IDS.labelSet,
      name: 'tiles reviews 2026-11',
      task: 'ok-vs-defect',
      source: { kind: 'reviews', reviewedBefore: this.receivedAt.toISOString() },
      class_names: ['ok', 'defect'],
      item_count: 1,
      created_by: adminUserId,
      frozen_at: this.receivedAt,
    });
    await upsert(
      sql,
      'label_set_items',
      {
        label_set_id: EXAMPLE_IDS.labelSet,
        inspection_id: EXAMPLE_IDS.inspection,
        review_id: EXAMPLE_IDS.review,
        label: 'defect',
      },
      ['label_set_id', 'inspection_id'],
    );
    await this.restoreTrainingJob();
    // The production version came from the seeded job (its curves are the job's epochs).
    await sql.query('UPDATE model_versions SET training_job_id = $1 WHERE id = $2', [
      EXAMPLE_IDS.trainingJob,
      EXAMPLE_IDS.model,
    ]);
    for (const epoch of [0, 1])
      await upsert(
        sql,
        'training_epochs',
        {
          training_job_id: EXAMPLE_IDS.trainingJob,
          epoch,
          metrics: {
            trainLoss: 0.62 - epoch * 0.2,
            trainAccuracy: 0.7 + epoch * 0.1,
            valLoss: 0.65 - epoch * 0.18,
            valAccuracy: 0.68 + epoch * 0.1,
            learningRate: 0.001,
            durationSeconds: 12.5,
          },
        },
        ['training_job_id', 'epoch'],
      );
    // The candidate scored the seeded inspection beside production (a shadow report with one pair).
    await sql.query(
      `INSERT INTO shadow_results (inspection_id, model_version_id, verdict, score, production_model_version_id,
                                   production_verdict, production_score)
       VALUES ($1, $2, 'defect', 0.71, $3, 'uncertain', 0.48)`,
      [EXAMPLE_IDS.inspection, EXAMPLE_IDS.candidateModel, EXAMPLE_IDS.model],
    );
  }

  private async restoreTrainingJob(): Promise<void> {
    await upsert(this.sql, 'training_jobs', {
      id: EXAMPLE_IDS.trainingJob,
      status: 'running',
      config: { architecture: 'mobilenetv2', epochs: 10 },
      label_set_id: EXAMPLE_IDS.labelSet,
      progress: { phase: 'training', epoch: 2, epochs: 10, step: 5, stepsPerEpoch: 20, loss: 0.41 },
      checklist: [],
      log: 'epoch 2/10 loss 0.41\n',
      created_by: this.adminUserId,
      started_at: this.receivedAt,
      finished_at: null,
      error: null,
    });
  }

  async close(): Promise<void> {
    await this.sql.end();
  }
}
