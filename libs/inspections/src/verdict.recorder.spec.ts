import { createServiceTestBed, type ServiceTestBed } from '../../../test/support/service-testing';
import { seedLine, seedModelVersion, seedPendingInspection } from '../../../test/support/seed';
import { type VerdictResult } from './verdict-result';
import { VerdictRecorder } from './verdict.recorder';

describe('VerdictRecorder (real PostgreSQL and job queue)', () => {
  let bed: ServiceTestBed;
  let recorder: VerdictRecorder;
  let modelVersionId: string;
  let plainLine: string;
  let webhookLine: string;

  beforeAll(async () => {
    bed = await createServiceTestBed([VerdictRecorder], { queue: true });
    recorder = bed.get(VerdictRecorder);
    modelVersionId = await seedModelVersion(bed.dataSource);
    plainLine = await seedLine(bed.dataSource);
    webhookLine = await seedLine(bed.dataSource, { webhookUrl: 'http://127.0.0.1:9/hook' });
  });
  afterAll(() => bed.close());

  const result = (verdict: VerdictResult['verdict'], score: number): VerdictResult => ({
    verdict,
    score,
    probabilities: { ok: 1 - score, defect: score },
    modelVersionId,
    latency: { totalMs: 12 },
  });

  /** The follow-up jobs queued for an inspection, by kind. */
  const followUps = async (inspectionId: string) =>
    (
      await bed.dataSource.query<{ name: string }[]>(
        `SELECT name FROM pgboss.job WHERE data->>'inspectionId' = $1 ORDER BY name`,
        [inspectionId],
      )
    ).map((row) => row.name);

  const row = async (id: string) =>
    (
      await bed.dataSource.query(
        `SELECT status, verdict, score, failure_reason FROM inspections WHERE id = $1`,
        [id],
      )
    )[0];

  it('records a DEFECT with its heatmap job, and its webhook job when the camera was not answered', async () => {
    const id = await seedPendingInspection(bed.dataSource, webhookLine);
    expect(await recorder.record(id, result('defect', 0.9), { notifyWebhook: true })).toBe('recorded');
    expect(await row(id)).toEqual({ status: 'scored', verdict: 'defect', score: 0.9, failure_reason: null });
    expect(await followUps(id)).toEqual(['notify-webhook', 'render-heatmap']);
  });

  it('queues no heatmap for OK, and no webhook for a line without one or a camera already answered', async () => {
    const ok = await seedPendingInspection(bed.dataSource, webhookLine);
    await recorder.record(ok, result('ok', 0.1), { notifyWebhook: false });
    expect(await followUps(ok)).toEqual([]);
    const uncertain = await seedPendingInspection(bed.dataSource, plainLine);
    await recorder.record(uncertain, result('uncertain', 0.5), { notifyWebhook: true });
    expect(await followUps(uncertain)).toEqual(['render-heatmap']);
  });

  it('queues no heatmap job when the heatmap was attached with the verdict (a GAP CNN CAM)', async () => {
    const id = await seedPendingInspection(bed.dataSource, webhookLine);
    await bed.dataSource.query(`UPDATE inspections SET heatmap_key = $2 WHERE id = $1`, [
      id,
      `heatmaps/${id}.png`,
    ]);
    expect(await recorder.record(id, result('defect', 0.9), { notifyWebhook: true })).toBe('recorded');
    expect(await followUps(id)).toEqual(['notify-webhook']);
  });

  it('ignores a second write for the same inspection: the first verdict stands, nothing more is queued', async () => {
    const id = await seedPendingInspection(bed.dataSource, webhookLine);
    await recorder.record(id, result('ok', 0.2), { notifyWebhook: true });
    const jobs = await followUps(id);
    expect(await recorder.record(id, result('defect', 0.95), { notifyWebhook: true })).toBe('already-final');
    expect(await recorder.fail(id, 'late failure', { notifyWebhook: true })).toBe('already-final');
    expect(await row(id)).toMatchObject({ status: 'scored', verdict: 'ok', score: 0.2 });
    expect(await followUps(id)).toEqual(jobs);
  });

  it('lets exactly one of two racing writers win', async () => {
    const id = await seedPendingInspection(bed.dataSource, plainLine);
    const outcomes = await Promise.all([
      recorder.record(id, result('defect', 0.8), { notifyWebhook: false }),
      recorder.record(id, result('defect', 0.7), { notifyWebhook: true }),
    ]);
    expect([...outcomes].sort()).toEqual(['already-final', 'recorded']);
    expect(await followUps(id)).toEqual(['render-heatmap']);
  });

  it('marks an inspection failed with its reason, notifying but rendering nothing', async () => {
    const id = await seedPendingInspection(bed.dataSource, webhookLine);
    expect(await recorder.fail(id, 'no model version serves this line', { notifyWebhook: true })).toBe(
      'recorded',
    );
    expect(await row(id)).toMatchObject({
      status: 'failed',
      failure_reason: 'no model version serves this line',
    });
    expect(await followUps(id)).toEqual(['notify-webhook']);
  });

  it('records nothing for an inspection that does not exist', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    expect(await recorder.record(missing, result('defect', 0.9), { notifyWebhook: true })).toBe(
      'already-final',
    );
    expect(await followUps(missing)).toEqual([]);
  });
});
