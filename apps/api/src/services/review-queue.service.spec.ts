import { verdictFor } from '@linescope/verdict';
import { ReviewQueueRepository } from '../repositories/review-queue.repository';
import { ReviewRepository } from '../repositories/review.repository';
import { createServiceTestBed, type ServiceTestBed } from '../../../../test/support/service-testing';
import {
  seedCamera,
  seedLine,
  seedModelVersion,
  seedScoredInspection,
  seedUser,
} from '../../../../test/support/seed';
import { ReviewQueueService, effectiveDecision } from './review-queue.service';

describe('ReviewQueueService (real PostgreSQL)', () => {
  let bed: ServiceTestBed;
  let service: ReviewQueueService;
  let alice: string;
  let bob: string;
  let modelVersionId: string;

  beforeAll(async () => {
    bed = await createServiceTestBed([ReviewRepository, ReviewQueueRepository, ReviewQueueService]);
    service = bed.get(ReviewQueueService);
    alice = await seedUser(bed.dataSource, 'qa');
    bob = await seedUser(bed.dataSource, 'qa');
    modelVersionId = await seedModelVersion(bed.dataSource, { threshold: 0.5, low: 0.4, high: 0.6 });
  });
  afterAll(() => bed.close());

  /** A line of its own (so each case sees only its items) with one camera. */
  async function lineWithCamera(settings: { threshold?: number; low?: number; high?: number } = {}) {
    const lineId = await seedLine(bed.dataSource, { modelVersionId });
    await bed.dataSource.query(
      `UPDATE production_lines SET operating_threshold = $2, uncertain_low = $3, uncertain_high = $4 WHERE id = $1`,
      [lineId, settings.threshold ?? null, settings.low ?? null, settings.high ?? null],
    );
    return { lineId, cameraId: await seedCamera(bed.dataSource, lineId) };
  }
  const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 8, minute));

  it('hands out uncertain items before defects, oldest first, and never the same item to two reviewers', async () => {
    const line = await lineWithCamera();
    const seed = (verdict: 'ok' | 'defect' | 'uncertain', minute: number) =>
      seedScoredInspection(bed.dataSource, { ...line, verdict, receivedAt: at(minute), modelVersionId });
    const oldDefect = await seed('defect', 1);
    const newUncertain = await seed('uncertain', 5);
    const oldUncertain = await seed('uncertain', 2);
    await seed('ok', 0);
    const first = await service.claim({ lineId: line.lineId, limit: 2 }, alice);
    expect(first.items.map((item) => item.id)).toEqual([oldUncertain, newUncertain]);
    const second = await service.claim({ lineId: line.lineId, limit: 5 }, bob);
    expect(second.items.map((item) => item.id)).toEqual([oldDefect]);
    expect(await service.summary({ lineId: line.lineId }, bob)).toEqual({
      uncertain: 2,
      defect: 1,
      total: 3,
      claimedByOthers: 2,
    });
    // Alice releases hers (bob's claim on oldDefect is not hers to release); bob gets his own claim first.
    await service.release([oldUncertain, oldDefect], alice);
    expect(
      (await service.claim({ lineId: line.lineId, limit: 5 }, bob)).items.map((item) => item.id),
    ).toEqual([oldDefect, oldUncertain]);
  });

  it('shows the threshold and band inference used when the line and the model disagree', async () => {
    // The model's band is [0.4, 0.6); the line raises only the threshold, above that band.
    const line = await lineWithCamera({ threshold: 0.9 });
    await seedScoredInspection(bed.dataSource, {
      ...line,
      verdict: 'uncertain',
      receivedAt: at(0),
      modelVersionId,
    });
    const [item] = (await service.claim({ lineId: line.lineId }, alice)).items;
    expect(item.decision).toEqual({ threshold: 0.9, uncertainLow: 0.4, uncertainHigh: 0.9, source: 'line' });
    // A score of 0.7 was uncertain under that rule; the band shown must say so (and be a valid band).
    expect(
      verdictFor(0.7, item.decision.threshold!, {
        low: item.decision.uncertainLow!,
        high: item.decision.uncertainHigh!,
      }),
    ).toBe('uncertain');
  });

  it("takes a line's band over the model's, moving the model's threshold into it", async () => {
    const line = await lineWithCamera({ low: 0.7, high: 0.8 });
    await seedScoredInspection(bed.dataSource, {
      ...line,
      verdict: 'defect',
      receivedAt: at(0),
      modelVersionId,
    });
    const [item] = (await service.claim({ lineId: line.lineId }, alice)).items;
    expect(item.decision).toEqual({ threshold: 0.7, uncertainLow: 0.7, uncertainHigh: 0.8, source: 'line' });
  });

  it("uses the model's own rule when the line sets nothing, and shows what is unknown as null", async () => {
    const line = await lineWithCamera();
    await seedScoredInspection(bed.dataSource, {
      ...line,
      verdict: 'defect',
      receivedAt: at(0),
      modelVersionId,
    });
    const [item] = (await service.claim({ lineId: line.lineId }, alice)).items;
    expect(item.decision).toEqual({ threshold: 0.5, uncertainLow: 0.4, uncertainHigh: 0.6, source: 'model' });
    const none = { threshold: null, low: null, high: null };
    expect(effectiveDecision({ lineRule: none, modelRule: none })).toEqual({
      threshold: null,
      uncertainLow: null,
      uncertainHigh: null,
      source: 'none',
    });
  });
});
