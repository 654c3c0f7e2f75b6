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

/** A model version row as the trainer registers one (no artifact is read by these tests). */
export async function insertModelVersion(
  sql: Client,
  input: {
    name?: string;
    version?: number;
    threshold?: number | null;
    low?: number | null;
    high?: number | null;
  } = {},
): Promise<string> {
  const result = await sql.query(
    `INSERT INTO model_versions (name, version, architecture, spec, input_height, input_width, class_names,
                                 preprocessing, artifact_key, operating_threshold, uncertain_low, uncertain_high)
     VALUES ($1, $2, 'resnet', '{}', 64, 64, '["ok","defect"]', '{}', $3, $4, $5, $6) RETURNING id`,
    [
      input.name ?? 'tiles',
      input.version ?? 1,
      `models/${randomUUID()}`,
      input.threshold ?? null,
      input.low ?? null,
      input.high ?? null,
    ],
  );
  return result.rows[0].id;
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
