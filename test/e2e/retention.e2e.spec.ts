import { type ObjectStore } from '@linescope/storage';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { transformFile } from '@swc/core';
import { Client } from 'pg';
import sharp from 'sharp';
import { type ApiHarness, startApiHarness } from '../support/api-harness';
import { createConsoleUser } from '../support/console-users';
import { createLineWithCamera, type SeededLine } from '../support/console-seed';
import { REPO_ROOT, runNode, waitFor } from '../support/processes';
import { startS3Server, type TestS3Server } from '../support/s3-server';

const DAY_MS = 86_400_000;
/**
 * The runner is test code, which `npm run build` leaves out of dist/: transpiled beside the built apps it imports
 * (two folders below dist/, so its relative imports of apps/ and the @linescope links resolve as in the sources).
 */
async function buildRunner(): Promise<string> {
  const { code } = await transformFile(path.join(REPO_ROOT, 'test', 'support', 'retention-runner.ts'), {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  const runner = path.join(REPO_ROOT, 'dist', 'test', 'support', 'retention-runner.js');
  await mkdir(path.dirname(runner), { recursive: true });
  await writeFile(runner, code);
  return runner;
}

/**
 * Retention against real PostgreSQL and the real S3 server: what a run deletes and keeps, what the API answers
 * for a purged image, a run killed by pid mid-batch and resumed, and the run/preview/storage endpoints' roles.
 */
describe('retention (real PostgreSQL and S3 server)', () => {
  let s3: TestS3Server;
  let api: ApiHarness;
  let sql: Client;
  let store: ObjectStore;
  let png: Buffer;
  let qaToken: string;
  let engineerToken: string;
  let modelId: string;

  beforeAll(async () => {
    s3 = await startS3Server();
    api = await startApiHarness({
      S3_ENDPOINT: s3.endpoint,
      S3_ACCESS_KEY: s3.accessKey,
      S3_SECRET_KEY: s3.secretKey,
    });
    store = api.running.infra.store;
    sql = new Client({ connectionString: api.db.url });
    await sql.connect();
    png = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#888' } })
      .png()
      .toBuffer();
    modelId = (
      await sql.query(
        `INSERT INTO model_versions (name, version, architecture, spec, input_height, input_width, class_names,
                                     preprocessing, artifact_key)
         VALUES ('scorer', 1, 'resnet', '{}', 64, 64, '["ok","defect"]', '{}', 'models/scorer') RETURNING id`,
      )
    ).rows[0].id;
    qaToken = (await createConsoleUser(api, 'qa@example.com', 'qa')).token;
    engineerToken = (await createConsoleUser(api, 'ml@example.com', 'ml_engineer')).token;
  });
  afterAll(async () => {
    await sql?.end();
    await api?.stop();
    await s3?.stop();
  });

  interface Seeded {
    id: string;
    keys: string[];
  }

  /** A row with its real objects: the image, and the heatmap and thumbnail when asked for. */
  async function inspection(
    line: SeededLine,
    row: {
      ageDays: number;
      verdict: 'ok' | 'defect' | 'uncertain' | null;
      heatmap?: boolean;
      thumbnail?: boolean;
    },
  ): Promise<Seeded> {
    const id = randomUUID();
    const imageKey = `images/${line.lineId}/${id}.png`;
    const heatmapKey = row.heatmap ? `heatmaps/${id}.png` : null;
    const keys = [imageKey];
    await store.put(imageKey, png, { contentType: 'image/png' });
    if (heatmapKey) {
      await store.put(heatmapKey, png, { contentType: 'image/png' });
      keys.push(heatmapKey);
    }
    if (row.thumbnail) {
      await store.put(`thumbnails/${id}.webp`, png, { contentType: 'image/webp' });
      keys.push(`thumbnails/${id}.webp`);
    }
    await sql.query(
      `INSERT INTO inspections (id, line_id, camera_id, image_key, image_sha256, image_bytes, width, height, format,
                                received_at, status, verdict, score, heatmap_key, model_version_id)
       VALUES ($1, $2, $3, $4, repeat('0', 64), $5, 32, 32, 'png', now() - make_interval(secs => $6), $7, $8,
               $9, $10, $11)`,
      [
        id,
        line.lineId,
        line.cameraId,
        imageKey,
        png.length,
        (row.ageDays * DAY_MS) / 1000,
        row.verdict ? 'scored' : 'pending',
        row.verdict,
        row.verdict ? 0.5 : null,
        heatmapKey,
        row.verdict ? modelId : null,
      ],
    );
    return { id, keys };
  }

  async function review(inspectionId: string): Promise<void> {
    const reviewer = await sql.query(`SELECT id FROM users WHERE email = 'qa@example.com'`);
    await sql.query(`INSERT INTO reviews (inspection_id, reviewer_id, decision) VALUES ($1, $2, 'ok')`, [
      inspectionId,
      reviewer.rows[0].id,
    ]);
  }

  /** A frozen label set holding the inspections; with a model version trained on it when `trained`. */
  async function labelSet(inspectionIds: string[], trained: boolean): Promise<void> {
    const set = await sql.query(
      `INSERT INTO label_sets (name, task, source, class_names, item_count, frozen_at)
       VALUES ($1, 'ok-vs-defect', '{"kind":"folder","path":"x"}', '["ok","defect"]', $2, now()) RETURNING id`,
      [`set-${randomUUID()}`, inspectionIds.length],
    );
    for (const id of inspectionIds)
      await sql.query(
        `INSERT INTO label_set_items (label_set_id, inspection_id, label) VALUES ($1, $2, 'defect')`,
        [set.rows[0].id, id],
      );
    if (!trained) return;
    const job = await sql.query(
      `INSERT INTO training_jobs (status, config, label_set_id) VALUES ('succeeded', '{}', $1) RETURNING id`,
      [set.rows[0].id],
    );
    await sql.query(
      `INSERT INTO model_versions (name, version, architecture, spec, input_height, input_width, class_names,
                                   preprocessing, artifact_key, training_job_id)
       VALUES ($1, 1, 'resnet', '{}', 64, 64, '["ok","defect"]', '{}', $2, $3)`,
      [`model-${randomUUID()}`, `models/${randomUUID()}`, job.rows[0].id],
    );
  }

  const exists = async (keys: string[]) => Promise.all(keys.map((key) => store.exists(key)));
  const purgedIds = async (ids: string[]): Promise<string[]> =>
    (
      await sql.query(`SELECT id FROM inspections WHERE id = ANY($1) AND image_purged_at IS NOT NULL`, [ids])
    ).rows.map((row: { id: string }) => row.id);

  async function runThroughApi(): Promise<Record<string, number>> {
    const queued = await api.call('POST', '/api/v1/retention/run', { token: api.adminToken });
    expect(queued.status).toBe(202);
    let output: Record<string, number> = {};
    await waitFor(
      async () => {
        const job = await api.running.infra.queue.getJob('apply-retention', queued.body.jobId);
        if (job?.state === 'failed') throw new Error(`apply-retention failed: ${JSON.stringify(job.output)}`);
        output = (job?.output as { detail?: Record<string, number> } | null)?.detail ?? {};
        return job?.state === 'completed';
      },
      30_000,
      'the apply-retention job completed',
    );
    return output;
  }

  it('deletes exactly the images the policy no longer keeps, keeps label-set members and reviewed ones, and says why', async () => {
    const a = await createLineWithCamera(api, 'retention-a');
    const b = await createLineWithCamera(api, 'retention-b', { retainOkDays: 5 });
    expect(
      (await api.call('GET', `/api/v1/lines/${b.lineId}`, { token: api.adminToken })).body,
    ).toMatchObject({
      retainOkDays: 5,
      retainFlaggedDays: null,
      retainReviewedDays: null,
    });
    const refused = await api.call('PATCH', `/api/v1/lines/${b.lineId}`, {
      token: api.adminToken,
      json: { retainFlaggedDays: 0 },
    });
    expect(refused.status).toBe(400);

    const due = {
      ok31: await inspection(a, { ageDays: 31, verdict: 'ok', thumbnail: true }),
      defect181: await inspection(a, { ageDays: 181, verdict: 'defect', heatmap: true }),
      reviewed800: await inspection(a, { ageDays: 800, verdict: 'uncertain', heatmap: true }),
      unusedLabelSet: await inspection(a, { ageDays: 200, verdict: 'defect' }),
      lineBOk6: await inspection(b, { ageDays: 6, verdict: 'ok' }),
    };
    const kept = {
      ok29: await inspection(a, { ageDays: 29, verdict: 'ok', thumbnail: true }),
      defect179: await inspection(a, { ageDays: 179, verdict: 'defect', heatmap: true }),
      reviewed181: await inspection(a, { ageDays: 181, verdict: 'uncertain', heatmap: true }),
      held: await inspection(a, { ageDays: 200, verdict: 'defect', heatmap: true }),
      pending400: await inspection(a, { ageDays: 400, verdict: null }),
      lineBOk4: await inspection(b, { ageDays: 4, verdict: 'ok' }),
    };
    await review(due.reviewed800.id);
    await review(kept.reviewed181.id);
    await labelSet([kept.held.id], true);
    await labelSet([due.unusedLabelSet.id], false);

    for (const token of [qaToken]) {
      expect((await api.call('GET', '/api/v1/retention/preview', { token })).status).toBe(403);
    }
    const preview = await api.call('GET', '/api/v1/retention/preview', { token: engineerToken });
    expect(preview.status).toBe(200);
    const byLine = Object.fromEntries(preview.body.lines.map((line: { name: string }) => [line.name, line]));
    expect(byLine['retention-a']).toMatchObject({
      okDays: 30,
      flaggedDays: 180,
      reviewedDays: 730,
      images: 4,
      imageBytes: 4 * png.length,
      heldByLabelSets: 1,
    });
    expect(byLine['retention-b']).toMatchObject({ okDays: 5, images: 1, heldByLabelSets: 0 });

    for (const token of [qaToken, engineerToken])
      expect((await api.call('POST', '/api/v1/retention/run', { token })).status).toBe(403);
    const report = await runThroughApi();
    expect(report).toMatchObject({ rowsPurged: 5, objectsDeleted: 5 + 2 + 1, objectsAlreadyGone: 0 });

    const dueIds = Object.values(due).map((row) => row.id);
    const keptIds = Object.values(kept).map((row) => row.id);
    expect((await purgedIds(dueIds)).sort()).toEqual([...dueIds].sort());
    expect(await purgedIds(keptIds)).toEqual([]);
    expect(await exists(Object.values(due).flatMap((row) => row.keys))).not.toContain(true);
    expect(await exists(Object.values(kept).flatMap((row) => row.keys))).not.toContain(false);

    const audit = await sql.query(
      `SELECT actor_type, actor_id, details FROM audit_events WHERE action = 'retention.run'`,
    );
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0].actor_type).toBe('user');
    expect(audit.rows[0].details).toMatchObject({
      rowsPurged: 5,
      objectsDeleted: 8,
      imageBytes: 5 * png.length,
    });
    expect(typeof audit.rows[0].details.ms).toBe('number');

    // The row stays, with its verdict and reviews; its files answer 410.
    const row = await api.call('GET', `/api/v1/inspections/${due.reviewed800.id}`, { token: qaToken });
    expect(row.status).toBe(200);
    expect(row.body).toMatchObject({ verdict: 'uncertain', score: 0.5, reviewCount: 1 });
    expect(row.body.imagePurgedAt).toEqual(expect.any(String));
    for (const file of ['image', 'heatmap', 'thumbnail', 'links']) {
      const gone = await api.call('GET', `/api/v1/inspections/${due.reviewed800.id}/${file}`, {
        token: qaToken,
      });
      expect({ file, status: gone.status, error: gone.body.error }).toEqual({
        file,
        status: 410,
        error: 'image_purged',
      });
    }
    const alive = await api.call('GET', `/api/v1/inspections/${kept.held.id}/image`, { token: qaToken });
    expect(alive.status).toBe(200);

    // A second run finds nothing more to delete.
    expect(await runThroughApi()).toMatchObject({ rowsPurged: 0, objectsDeleted: 0 });
  });

  it('resumes a run killed by pid mid-batch: nothing deleted twice, no orphan objects, no row purged twice', async () => {
    const line = await createLineWithCamera(api, 'retention-crash', { retainOkDays: 1 });
    const due: Seeded[] = [];
    for (let i = 0; i < 40; i++)
      due.push(await inspection(line, { ageDays: 2, verdict: 'ok', thumbnail: true }));
    const kept: Seeded[] = [];
    for (let i = 0; i < 5; i++)
      kept.push(await inspection(line, { ageDays: 0.5, verdict: 'ok', thumbnail: true }));
    const env = {
      DATABASE_URL: api.db.url,
      S3_ENDPOINT: s3.endpoint,
      S3_ACCESS_KEY: s3.accessKey,
      S3_SECRET_KEY: s3.secretKey,
      LOG_LEVEL: 'silent',
      RETENTION_BATCH: '10',
    };
    const deletedBy = (stdout: string) =>
      stdout
        .split('\n')
        .filter((l) => l.startsWith('deleted '))
        .map((l) => l.slice('deleted '.length));

    // 10 rows a batch, two objects a row, 8 deletes at a time with 400 ms after each: a batch lasts about 1 s.
    const runner = await buildRunner();
    const first = runNode(runner, { ...env, DELETE_PAUSE_MS: '400' });
    await waitFor(
      async () => deletedBy(first.output().stdout).length >= 25,
      60_000,
      'a second batch half done',
      first,
    );
    first.child.kill('SIGKILL');
    await first.exited;
    const firstDeleted = deletedBy(first.output().stdout);
    const dueIds = due.map((row) => row.id);
    const committed = await sql.query(
      `SELECT id, image_purged_at FROM inspections WHERE id = ANY($1) AND image_purged_at IS NOT NULL ORDER BY id`,
      [dueIds],
    );
    // The first batch was marked; the second deleted some objects, and its rows stayed unmarked.
    expect(committed.rows).toHaveLength(10);
    expect(firstDeleted.length).toBeGreaterThan(20);
    expect(firstDeleted.length).toBeLessThan(40);
    // The killed run's locks go with its connection.
    await waitFor(
      async () =>
        (
          await sql.query(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database()
               AND state LIKE 'idle in transaction%'`,
          )
        ).rows[0].n === 0,
      10_000,
      "the killed run's transaction rolled back",
    );

    const second = runNode(runner, env);
    const finished = await second.exited;
    expect(finished.code).toBe(0);
    const secondDeleted = deletedBy(finished.stdout);
    const report = JSON.parse(
      finished.stdout
        .split('\n')
        .find((l) => l.startsWith('report '))!
        .slice(7),
    );
    // What the cut batch deleted is found gone (a missing thumbnail is not counted: most images have none).
    const cutShort = firstDeleted.length - 20;
    const cutImages = firstDeleted.slice(20).filter((key) => key.startsWith('images/')).length;
    expect(report).toMatchObject({
      rowsPurged: 30,
      objectsDeleted: 60 - cutShort,
      objectsAlreadyGone: cutImages,
    });
    // No object is deleted by both runs, and together they deleted each object of a due row exactly once.
    expect(secondDeleted.filter((key) => firstDeleted.includes(key))).toEqual([]);
    expect([...firstDeleted, ...secondDeleted].sort()).toEqual(due.flatMap((row) => row.keys).sort());

    // The rows the killed run marked were not touched again.
    const after = await sql.query(
      `SELECT id, image_purged_at FROM inspections WHERE id = ANY($1) ORDER BY id`,
      [committed.rows.map((row: { id: string }) => row.id)],
    );
    expect(after.rows).toEqual(committed.rows);
    expect((await purgedIds(dueIds)).length).toBe(40);
    expect(await purgedIds(kept.map((row) => row.id))).toEqual([]);

    // No orphans: every object of the line belongs to an unpurged row, and every unpurged row has its image.
    const stored: string[] = [];
    for (const prefix of [`images/${line.lineId}/`, 'thumbnails/'])
      for await (const object of store.list(prefix)) stored.push(object.key);
    const keptKeys = kept.flatMap((row) => row.keys);
    expect(stored.filter((key) => due.some((row) => row.keys.includes(key)))).toEqual([]);
    expect(keptKeys.every((key) => stored.includes(key))).toBe(true);
  });

  it('reports storage and rows per line with a projection, in the API and /metrics, to engineers and admins', async () => {
    expect((await api.call('GET', '/api/v1/storage', { token: qaToken })).status).toBe(403);
    const storage = await api.call('GET', '/api/v1/storage', { token: engineerToken });
    expect(storage.status).toBe(200);
    const line = storage.body.lines.find((l: { name: string }) => l.name === 'retention-crash');
    // 45 rows, 5 images still stored; 5 received within the growth window (the others are two days old).
    expect(line).toMatchObject({ rows: 45, imagesStored: 5, imageBytes: 5 * png.length });
    expect(storage.body.driver).toBe('s3');
    expect(storage.body.projection.daysUntilFull).toBeNull();
    expect(storage.body.disk.totalBytes).toBeGreaterThan(0);
    const metrics = await fetch(`${api.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/linescope_line_inspection_rows\{[^}]*line="retention-crash"[^}]*\} 45/);
    expect(metrics).toMatch(/linescope_line_images_stored\{[^}]*line="retention-crash"[^}]*\} 5/);
  });
});
