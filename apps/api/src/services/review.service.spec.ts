import { type UserPrincipal } from '../auth/principals';
import { ReviewQueueRepository } from '../repositories/review-queue.repository';
import { ReviewRepository } from '../repositories/review.repository';
import {
  apiErrorOf,
  createServiceTestBed,
  type ServiceTestBed,
} from '../../../../test/support/service-testing';
import { seedLine, seedPendingInspection, seedUser } from '../../../../test/support/seed';
import { ReviewService } from './review.service';

describe('ReviewService (real PostgreSQL)', () => {
  let bed: ServiceTestBed;
  let service: ReviewService;
  let alice: UserPrincipal;
  let bob: UserPrincipal;
  let lineId: string;

  beforeAll(async () => {
    bed = await createServiceTestBed([ReviewRepository, ReviewQueueRepository, ReviewService]);
    service = bed.get(ReviewService);
    alice = { kind: 'user', userId: await seedUser(bed.dataSource, 'qa'), role: 'qa' };
    bob = { kind: 'user', userId: await seedUser(bed.dataSource, 'qa'), role: 'qa' };
    lineId = await seedLine(bed.dataSource);
  });
  afterAll(() => bed.close());

  const reviewCount = async () =>
    (await bed.dataSource.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM reviews`))[0].n;

  it('appends reviews; a correction names the review of the same inspection it supersedes', async () => {
    const inspectionId = await seedPendingInspection(bed.dataSource, lineId);
    const first = await service.create(inspectionId, { decision: 'ok' }, alice);
    const second = await service.create(
      inspectionId,
      { decision: 'defect', defectType: 'crack', supersedesReviewId: first.id },
      alice,
    );
    expect(second).toMatchObject({
      supersedesReviewId: first.id,
      reviewerName: 'Test user',
      defectType: 'crack',
    });
    expect((await service.list(inspectionId)).map((review) => review.id)).toEqual([first.id, second.id]);
  });

  it('refuses a supersedesReviewId of another inspection, writing nothing', async () => {
    const one = await seedPendingInspection(bed.dataSource, lineId);
    const other = await seedPendingInspection(bed.dataSource, lineId);
    const elsewhere = await service.create(other, { decision: 'ok' }, alice);
    const before = await reviewCount();
    expect(
      await apiErrorOf(service.create(one, { decision: 'defect', supersedesReviewId: elsewhere.id }, alice)),
    ).toEqual({ status: 400, error: 'invalid_supersedes' });
    expect(await reviewCount()).toBe(before);
  });

  it('refuses a defect type with decision ok, and an inspection that does not exist', async () => {
    const inspectionId = await seedPendingInspection(bed.dataSource, lineId);
    expect(
      await apiErrorOf(service.create(inspectionId, { decision: 'ok', defectType: 'crack' }, alice)),
    ).toEqual({
      status: 400,
      error: 'invalid_review',
    });
    expect(
      await apiErrorOf(service.create('00000000-0000-4000-8000-000000000000', { decision: 'ok' }, alice)),
    ).toEqual({ status: 404, error: 'inspection_not_found' });
  });

  it("releases the reviewer's own claim on the item, not another reviewer's", async () => {
    const mine = await seedPendingInspection(bed.dataSource, lineId);
    const theirs = await seedPendingInspection(bed.dataSource, lineId);
    await bed.dataSource.query(
      `INSERT INTO review_claims (inspection_id, user_id, expires_at)
       VALUES ($1, $2, now() + interval '5 minutes'), ($3, $4, now() + interval '5 minutes')`,
      [mine, alice.userId, theirs, bob.userId],
    );
    await service.create(mine, { decision: 'ok' }, alice);
    await service.create(theirs, { decision: 'ok' }, alice);
    const claims = await bed.dataSource.query(`SELECT inspection_id, user_id FROM review_claims`);
    expect(claims).toEqual([{ inspection_id: theirs, user_id: bob.userId }]);
  });
});
