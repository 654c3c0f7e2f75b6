import { type RunningApp, startApp } from '@linescope/platform';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { apiApp } from '../../apps/api/src/api.app';
import { HousekeepingService } from '../../apps/api/src/services/housekeeping.service';
import { type ApiHarness, startApiHarness } from '../support/api-harness';
import { type CookieSession, createConsoleUser, signIn } from '../support/console-users';
import {
  type SeededLine,
  createLineWithCamera,
  insertInspections,
  insertModelVersion,
} from '../support/console-seed';
import { type EventStreamClient, type ReceivedEvent, openEventStream } from '../support/event-stream';

const FIELDS: Record<string, string[]> = {
  inspection: [
    'cameraId',
    'id',
    'lineId',
    'modelVersionId',
    'needsReview',
    'receivedAt',
    'score',
    'status',
    'verdict',
  ],
  heatmap: ['inspectionId'],
  review: ['createdAt', 'decision', 'defectType', 'id', 'inspectionId', 'reviewerId'],
  training: ['epoch', 'epochs', 'findings', 'jobId', 'progress', 'status'],
  model: ['modelVersionId', 'shadow', 'stage'],
  shadow: ['agree', 'inspectionId', 'modelVersionId', 'productionVerdict', 'verdict'],
};

describe('live events (SSE over LISTEN/NOTIFY)', () => {
  let api: ApiHarness;
  let second: RunningApp;
  let secondDir: string;
  let secondStopped = false;
  let sql: Client;
  let line: SeededLine;
  let modelId: string;
  let qa: CookieSession;
  let ml: CookieSession;
  const streams: EventStreamClient[] = [];

  const open = async (
    session: CookieSession | { token: string },
    query = '',
    headers: Record<string, string> = {},
  ) => {
    const auth: Record<string, string> =
      'cookie' in session ? { cookie: session.cookie } : { authorization: `Bearer ${session.token}` };
    const stream = await openEventStream(`${second.url}/api/v1/events${query}`, { ...auth, ...headers });
    streams.push(stream);
    return stream;
  };
  const inspectionRow = (minute: number) => ({
    lineId: line.lineId,
    cameraId: line.cameraId,
    receivedAt: new Date(Date.parse('2026-11-03T08:00:00Z') + minute * 60_000),
    verdict: null,
  });
  const checkShape = (event: ReceivedEvent) => {
    expect(Object.keys(event.data).sort()).toEqual(FIELDS[event.type]);
    expect(JSON.stringify(event.data).length).toBeLessThan(600);
    expect(event.id).toMatch(/^\d+$/);
  };

  beforeAll(async () => {
    api = await startApiHarness();
    secondDir = await mkdtemp(path.join(tmpdir(), 'linescope-api-2-'));
    // A second API instance on the same database: events written through one reach streams on the other.
    second = await startApp(apiApp, {
      DATABASE_URL: api.db.url,
      DATA_DIR: secondDir,
      API_PORT: '0',
      LOG_LEVEL: 'silent',
      INFERENCE_URLS: 'http://127.0.0.1:9',
    });
    sql = new Client({ connectionString: api.db.url });
    await sql.connect();
    line = await createLineWithCamera(api, 'events-line');
    modelId = await insertModelVersion(sql, { name: 'events', version: 1 });
    const q = await createConsoleUser(api, 'qa-events@example.com', 'qa');
    const m = await createConsoleUser(api, 'ml-events@example.com', 'ml_engineer');
    qa = await signIn(api, q.email, q.password);
    ml = await signIn(api, m.email, m.password);
  });
  afterAll(async () => {
    for (const stream of streams) stream.close();
    await sql.end();
    if (!secondStopped) await second.shutdown('test finished');
    await rm(secondDir, { recursive: true, force: true });
    await api.stop();
  });

  it('relays what any writer commits to a stream opened on another instance, without image bytes', async () => {
    const stream = await open(qa);
    expect(stream.status).toBe(200);
    expect(stream.contentType).toBe('text/event-stream; charset=utf-8');

    const [id] = await insertInspections(sql, [inspectionRow(1)]);
    const inserted = await stream.waitFor((e) => e.type === 'inspection' && e.data.id === id);
    expect(inserted.data).toMatchObject({
      lineId: line.lineId,
      status: 'pending',
      verdict: null,
      needsReview: false,
    });

    await sql.query(
      `UPDATE inspections SET status = 'scored', verdict = 'uncertain', score = 0.55, model_version_id = $2 WHERE id = $1`,
      [id, modelId],
    );
    const scored = await stream.waitFor(
      (e) => e.type === 'inspection' && e.data.id === id && e.data.status === 'scored',
    );
    expect(scored.data).toMatchObject({
      verdict: 'uncertain',
      score: 0.55,
      modelVersionId: modelId,
      needsReview: true,
    });
    expect(BigInt(scored.id)).toBeGreaterThan(BigInt(inserted.id));

    await sql.query(`UPDATE inspections SET heatmap_key = 'heatmaps/x.png' WHERE id = $1`, [id]);
    await stream.waitFor((e) => e.type === 'heatmap' && e.data.inspectionId === id);

    // A review posted through the first instance.
    const review = await qa.call('POST', `/api/v1/inspections/${id}/reviews`, { json: { decision: 'ok' } });
    expect(review.status).toBe(201);
    const reviewed = await stream.waitFor((e) => e.type === 'review' && e.data.id === review.body.id);
    expect(reviewed.data).toMatchObject({ inspectionId: id, decision: 'ok', defectType: null });

    await sql.query(`UPDATE model_versions SET stage = 'production' WHERE id = $1`, [modelId]);
    await stream.waitFor(
      (e) => e.type === 'model' && e.data.modelVersionId === modelId && e.data.stage === 'production',
    );

    for (const event of stream.events) checkShape(event);
    expect(stream.raw).not.toMatch(/image_key|imageKey|base64|\\u0000/);
  });

  it('sends training progress to ML engineers only', async () => {
    const qaStream = await open(qa);
    const mlStream = await open(ml);
    const job = await sql.query(`INSERT INTO training_jobs (config) VALUES ('{}') RETURNING id`);
    const jobId: string = job.rows[0].id;
    await sql.query(
      `UPDATE training_jobs SET status = 'running', progress = '{"epoch": 1, "epochs": 5, "step": 3}' WHERE id = $1`,
      [jobId],
    );
    // Each progress change is an event carrying the progress (the trainer writes it about once a second, the
    // live view draws its step curves from them); the same progress written again is not.
    for (let i = 0; i < 2; i++)
      await sql.query(
        `UPDATE training_jobs SET progress = '{"epoch": 1, "epochs": 5, "step": 9}' WHERE id = $1`,
        [jobId],
      );
    await sql.query(`INSERT INTO training_epochs (training_job_id, epoch, metrics) VALUES ($1, 2, '{}')`, [
      jobId,
    ]);
    await mlStream.waitFor((e) => e.type === 'training' && e.data.epoch === 2);
    const training = mlStream.events.filter((e) => e.type === 'training' && e.data.jobId === jobId);
    expect(training.map((e) => [e.data.status, e.data.epoch, e.data.progress?.step ?? null])).toEqual([
      ['queued', null, null],
      ['running', 1, 3],
      ['running', 1, 9],
      ['running', 2, 9],
    ]);
    for (const event of training) checkShape(event);
    // A later public event reaches the qa stream; no training event came before it.
    const [marker] = await insertInspections(sql, [inspectionRow(2)]);
    await qaStream.waitFor((e) => e.type === 'inspection' && e.data.id === marker);
    expect(qaStream.events.filter((e) => e.type === 'training')).toEqual([]);
  });

  it('replays the stored events after Last-Event-ID, then streams live ones, each once', async () => {
    const first = await open(qa);
    const [a] = await insertInspections(sql, [inspectionRow(3)]);
    const seen = await first.waitFor((e) => e.type === 'inspection' && e.data.id === a);
    first.close();
    const [b, c] = await insertInspections(sql, [inspectionRow(4), inspectionRow(5)]);
    const job = await sql.query(`INSERT INTO training_jobs (config) VALUES ('{}') RETURNING id`);

    const resumed = await open(qa, '', { 'last-event-id': seen.id });
    await resumed.waitFor((e) => e.data.id === c);
    const [d] = await insertInspections(sql, [inspectionRow(6)]);
    await resumed.waitFor((e) => e.data.id === d);
    expect(resumed.events.map((e) => e.data.id)).toEqual([b, c, d]);
    expect(resumed.events.some((e) => e.data.jobId === job.rows[0].id)).toBe(false);

    // The query form, for EventSource polyfills; an ML engineer also gets the stored training event.
    const polyfill = await open(ml, `?lastEventId=${seen.id}`);
    await polyfill.waitFor((e) => e.data.id === d);
    expect(polyfill.events.map((e) => e.data.id ?? e.data.jobId)).toEqual([b, c, job.rows[0].id, d]);

    const bad = await fetch(`${second.url}/api/v1/events?lastEventId=abc`, {
      headers: { cookie: qa.cookie },
    });
    expect(bad.status).toBe(400);
  });

  it('shares one LISTEN connection per instance, and catches up after losing it', async () => {
    const before = await open(qa);
    const more = await open({ token: api.adminToken });
    expect(more.status).toBe(200);
    const listeners = async () =>
      (
        await sql.query(
          `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'linescope-api-events'`,
        )
      ).rows.map((row) => row.pid as number);
    expect(await listeners()).toHaveLength(2); // one per API instance, however many streams are open
    await sql.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'linescope-api-events'`,
    );
    const [missed] = await insertInspections(sql, [inspectionRow(7)]);
    await before.waitFor((e) => e.data.id === missed, 15_000);
    await more.waitFor((e) => e.data.id === missed, 15_000);
    expect(before.events.filter((e) => e.data.id === missed)).toHaveLength(1);
    for (let i = 0; i < 100 && (await listeners()).length < 2; i += 1)
      await new Promise((r) => setTimeout(r, 100));
    expect(await listeners()).toHaveLength(2);
  });

  it('refuses an unauthenticated stream', async () => {
    const anonymous = await fetch(`${second.url}/api/v1/events`);
    expect(anonymous.status).toBe(401);
  });

  it('sends a ping comment every 15 seconds', async () => {
    const stream = await open(qa);
    await stream.waitForText(': ping\n\n', 17_000);
  }, 25_000);

  it('prunes stored events older than the retention, keeping the last hour', async () => {
    await sql.query(
      `UPDATE events SET created_at = now() - interval '3 hours' WHERE id = (SELECT min(id) FROM events)`,
    );
    const before = Number((await sql.query(`SELECT count(*) FROM events`)).rows[0].count);
    await second.app.get(HousekeepingService).run();
    const after = Number((await sql.query(`SELECT count(*) FROM events`)).rows[0].count);
    expect(after).toBe(before - 1);
  });

  it('ends open streams at shutdown instead of waiting SHUTDOWN_TIMEOUT_MS for them', async () => {
    const stream = await open(qa);
    expect(stream.status).toBe(200);
    const started = Date.now();
    await second.shutdown('test');
    secondStopped = true;
    expect(Date.now() - started).toBeLessThan(5_000);
    await stream.waitForText('retry: 3000');
  });
});
