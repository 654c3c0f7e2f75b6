import { randomBytes, randomUUID } from 'node:crypto';
import { type DataSource } from 'typeorm';

/** Rows that service specs start from, written with plain SQL so they do not depend on the code under test. */
async function insertReturningId(dataSource: DataSource, sql: string, values: unknown[]): Promise<string> {
  const rows: { id: string }[] = await dataSource.query(sql, values);
  return rows[0].id;
}

export function seedUser(dataSource: DataSource, role = 'ml_engineer'): Promise<string> {
  return insertReturningId(
    dataSource,
    `INSERT INTO users (email, display_name, role) VALUES ($1, 'Test user', $2) RETURNING id`,
    [`${randomUUID()}@test.local`, role],
  );
}

export function seedLine(
  dataSource: DataSource,
  settings: { webhookUrl?: string; modelVersionId?: string } = {},
): Promise<string> {
  return insertReturningId(
    dataSource,
    `INSERT INTO production_lines (name, webhook_url, webhook_secret, model_version_id) VALUES ($1, $2, $3, $4)
     RETURNING id`,
    [
      `line-${randomUUID()}`,
      settings.webhookUrl ?? null,
      settings.webhookUrl ? 'secret' : null,
      settings.modelVersionId ?? null,
    ],
  );
}

export function seedCamera(dataSource: DataSource, lineId: string): Promise<string> {
  return insertReturningId(dataSource, `INSERT INTO cameras (line_id, name) VALUES ($1, $2) RETURNING id`, [
    lineId,
    `cam-${randomUUID().slice(0, 8)}`,
  ]);
}

export function seedModelVersion(
  dataSource: DataSource,
  fields: {
    name?: string;
    stage?: string;
    shadow?: boolean;
    architecture?: string;
    metrics?: object;
    threshold?: number;
    low?: number;
    high?: number;
  } = {},
): Promise<string> {
  const name = fields.name ?? `model-${randomUUID().slice(0, 8)}`;
  return insertReturningId(
    dataSource,
    `INSERT INTO model_versions (name, version, architecture, spec, input_height, input_width, class_names,
                                 preprocessing, artifact_key, metrics, stage, shadow, operating_threshold,
                                 uncertain_low, uncertain_high)
     VALUES ($1, (SELECT coalesce(max(version), 0) + 1 FROM model_versions WHERE name = $1), $2, '{}', 96, 96,
             '["ok","defect"]', '{}', $3, $4, $5, $6, $7, $8, $9)
     RETURNING id`,
    [
      name,
      fields.architecture ?? 'mobilenetv2',
      `models/${randomUUID()}/`,
      JSON.stringify(fields.metrics ?? {}),
      fields.stage ?? 'candidate',
      fields.shadow ?? false,
      fields.threshold ?? null,
      fields.low ?? null,
      fields.high ?? null,
    ],
  );
}

/** A pending inspection of a new camera on `lineId`. */
export async function seedPendingInspection(dataSource: DataSource, lineId: string): Promise<string> {
  const cameraId = await seedCamera(dataSource, lineId);
  return insertReturningId(
    dataSource,
    `INSERT INTO inspections (line_id, camera_id, image_key, image_sha256, image_bytes, width, height, format)
     VALUES ($1, $2, $3, $4, 100, 8, 8, 'png') RETURNING id`,
    [lineId, cameraId, `images/${randomUUID()}.png`, randomBytes(32).toString('hex')],
  );
}

/** A scored inspection with a chosen verdict and time, as the verdict recorder leaves one. */
export function seedScoredInspection(
  dataSource: DataSource,
  row: {
    lineId: string;
    cameraId: string;
    verdict: 'ok' | 'defect' | 'uncertain';
    receivedAt: Date;
    modelVersionId?: string;
  },
): Promise<string> {
  return insertReturningId(
    dataSource,
    `INSERT INTO inspections (line_id, camera_id, image_key, image_sha256, image_bytes, width, height, format,
                              received_at, status, verdict, score, model_version_id)
     VALUES ($1, $2, $3, $4, 100, 8, 8, 'png', $5, 'scored', $6, 0.5, $7) RETURNING id`,
    [
      row.lineId,
      row.cameraId,
      `images/${randomUUID()}.png`,
      randomBytes(32).toString('hex'),
      row.receivedAt,
      row.verdict,
      row.modelVersionId ?? null,
    ],
  );
}
