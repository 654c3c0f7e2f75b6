import { Client } from 'pg';

export interface SyntheticOptions {
  rows: number;
  days: number;
  lines: number;
  camerasPerLine?: number;
  /** The newest row's time; rows are spread evenly over `days` days before it. */
  end?: Date;
  /** Called after each day is loaded. */
  progress?: (day: number, days: number) => void;
}

export interface SyntheticInstallation {
  lineIds: string[];
  cameraIds: string[];
  modelId: string;
  start: Date;
  end: Date;
}

const DAY_MS = 86_400_000;

/**
 * Loads `rows` synthetic scored inspections with SQL generate_series, a day partition at a time, into a migrated
 * database: `lines` lines of 2 cameras, 90% ok, 7% defect, 3% uncertain (a deterministic hash of the row number),
 * latency 15 to 45 ms. Flagged rows are reviewed (review_count 1) except in the two oldest days and the last two,
 * which make the review backlog. Row triggers are off while loading (session_replication_role, so the connection
 * must be a superuser's); `inspection_keys` is filled alongside, then everything is vacuumed and analysed.
 */
export async function loadSyntheticInspections(
  url: string,
  options: SyntheticOptions,
): Promise<SyntheticInstallation> {
  const sql = new Client({ connectionString: url });
  await sql.connect();
  try {
    const end = options.end ?? new Date();
    const start = new Date(end.getTime() - options.days * DAY_MS);
    const model = await sql.query<{ id: string }>(
      `INSERT INTO model_versions (name, version, architecture, spec, input_height, input_width, class_names,
                                   preprocessing, artifact_key, stage)
       VALUES ('synthetic', 1, 'mobilenetv2', '{}', 224, 224, '["ok","defect"]', '{}', 'models/synthetic/', 'production')
       RETURNING id`,
    );
    const modelId = model.rows[0].id;
    const lineIds: string[] = [];
    const cameraIds: string[] = [];
    const cameraLines: string[] = [];
    for (let l = 0; l < options.lines; l += 1) {
      const line = await sql.query<{ id: string }>(
        `INSERT INTO production_lines (name) VALUES ($1) RETURNING id`,
        [`line-${l + 1}`],
      );
      lineIds.push(line.rows[0].id);
      for (let c = 0; c < (options.camerasPerLine ?? 2); c += 1) {
        const camera = await sql.query<{ id: string }>(
          `INSERT INTO cameras (line_id, name) VALUES ($1, $2) RETURNING id`,
          [line.rows[0].id, `cam-${l + 1}-${c + 1}`],
        );
        cameraIds.push(camera.rows[0].id);
        cameraLines.push(line.rows[0].id);
      }
    }
    await sql.query(
      `SELECT create_inspection_partition(d::date)
         FROM generate_series(($1::timestamptz AT TIME ZONE 'UTC')::date, ($2::timestamptz AT TIME ZONE 'UTC')::date,
                              interval '1 day') d`,
      [start, end],
    );
    await sql.query(`SET session_replication_role = replica`);
    const perDay = Math.ceil(options.rows / options.days);
    for (let day = 0; day < options.days; day += 1) {
      const from = day * perDay + 1;
      const to = Math.min(options.rows, (day + 1) * perDay);
      if (from > to) break;
      await sql.query(
        `WITH src AS (
           SELECT g, $1::timestamptz + (g - 1) * ($2::double precision / $3) * interval '1 millisecond' AS t,
                  abs(hashint4(g)) % 1000 AS h, 1 + g % cardinality($5::uuid[]) AS cam
             FROM generate_series($6::int, $7::int) g),
         rows AS (
           SELECT g, t, h, ($5::uuid[])[cam] AS camera_id, ($4::uuid[])[cam] AS line_id,
                  (CASE WHEN h < 900 THEN 'ok' WHEN h < 970 THEN 'defect' ELSE 'uncertain' END)::verdict AS verdict
             FROM src)
         INSERT INTO inspections (line_id, camera_id, idempotency_key, image_key, image_sha256, image_bytes, width,
                                  height, format, received_at, status, verdict, score, model_version_id, latency,
                                  scored_at, review_count)
         SELECT line_id, camera_id, 'k-' || g, 'images/' || line_id || '/' || g || '.jpg', repeat('a', 64), 50000,
                224, 224, 'jpeg', t, 'scored', verdict, h / 1000.0, $8, jsonb_build_object('totalMs', 15 + (h % 300) / 10.0),
                t, CASE WHEN verdict <> 'ok' AND t >= $1::timestamptz + interval '2 days'
                             AND t < $1::timestamptz + ($2::double precision - 2 * 86400000) * interval '1 millisecond'
                        THEN 1 ELSE 0 END
           FROM rows`,
        [start, end.getTime() - start.getTime(), options.rows, cameraLines, cameraIds, from, to, modelId],
      );
      options.progress?.(day + 1, options.days);
    }
    await sql.query(
      `INSERT INTO inspection_keys (id, received_at, camera_id, idempotency_key)
       SELECT id, received_at, camera_id, idempotency_key FROM inspections`,
    );
    await sql.query(`SET session_replication_role = DEFAULT`);
    await sql.query(`VACUUM ANALYZE inspections`);
    await sql.query(`VACUUM ANALYZE inspection_keys`);
    return { lineIds, cameraIds, modelId, start, end };
  } finally {
    await sql.end();
  }
}
