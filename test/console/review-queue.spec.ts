import { Client } from 'pg';
import { type ApiHarness, startApiHarness } from '../support/api-harness';
import { type CookieSession, createConsoleUser, signIn } from '../support/console-users';
import {
  type SeededLine,
  createLineWithCamera,
  insertInspections,
  insertModelVersion,
} from '../support/console-seed';

describe('review queue', () => {
  let api: ApiHarness;
  let sql: Client;
  let line: SeededLine;
  let other: SeededLine;
  let modelId: string;
  let alice: CookieSession;
  let bob: CookieSession;
  const base = Date.parse('2026-11-01T08:00:00Z');
  const at = (minutes: number) => new Date(base + minutes * 60_000);

  async function clearQueue(): Promise<void> {
    // Leaves earlier tests' items out of the next one: they count as reviewed-by-ok, not as waiting.
    await sql.query(`DELETE FROM review_claims`);
    await sql.query(`UPDATE inspections SET verdict = 'ok', score = 0.01 WHERE review_count = 0`);
  }

  beforeAll(async () => {
    api = await startApiHarness();
    sql = new Client({ connectionString: api.db.url });
    await sql.connect();
    line = await createLineWithCamera(api, 'queue-line', {
      defectTypes: ['crack', 'blowhole'],
      uncertainLow: 0.3,
    });
    other = await createLineWithCamera(api, 'other-line');
    modelId = await insertModelVersion(sql, {
      name: 'tiles',
      version: 3,
      threshold: 0.5,
      low: 0.4,
      high: 0.6,
    });
    const a = await createConsoleUser(api, 'alice@example.com', 'qa');
    const b = await createConsoleUser(api, 'bob@example.com', 'qa');
    alice = await signIn(api, a.email, a.password);
    bob = await signIn(api, b.email, b.password);
  });
  afterAll(async () => {
    await sql.end();
    await api.stop();
  });

  const seed = (lineRef: SeededLine, verdict: 'ok' | 'defect' | 'uncertain' | null, minute: number) => ({
    lineId: lineRef.lineId,
    cameraId: lineRef.cameraId,
    receivedAt: at(minute),
    verdict,
    modelVersionId: verdict ? modelId : null,
  });

  it('hands out uncertain before defect, oldest first, never ok, pending or reviewed items', async () => {
    await clearQueue();
    const [defectOld, uncertainNew, okItem, uncertainOld, pending, defectNew, reviewed] =
      await insertInspections(sql, [
        seed(line, 'defect', 1),
        seed(line, 'uncertain', 9),
        seed(line, 'ok', 0),
        seed(line, 'uncertain', 5),
        seed(line, null, 0),
        seed(line, 'defect', 7),
        seed(line, 'uncertain', 2),
      ]);
    const review = await alice.call('POST', `/api/v1/inspections/${reviewed}/reviews`, {
      json: { decision: 'ok' },
    });
    expect(review.status).toBe(201);

    const summary = await alice.call('GET', `/api/v1/review-queue/summary?lineId=${line.lineId}`);
    expect(summary).toMatchObject({
      status: 200,
      body: { uncertain: 2, defect: 2, total: 4, claimedByOthers: 0 },
    });

    const claim = await alice.call('POST', '/api/v1/review-queue/claim', { json: { limit: 10 } });
    expect(claim.status).toBe(200);
    expect(claim.body.items.map((item: { id: string }) => item.id)).toEqual([
      uncertainOld,
      uncertainNew,
      defectOld,
      defectNew,
    ]);
    expect([okItem, pending, reviewed]).not.toContain(claim.body.items[0].id);
    const bobSummary = await bob.call('GET', '/api/v1/review-queue/summary');
    expect(bobSummary.body).toMatchObject({ total: 4, claimedByOthers: 4 });
    expect((await bob.call('POST', '/api/v1/review-queue/claim', { json: {} })).body.items).toEqual([]);
  });

  it('describes each item: line, camera, model, effective threshold and band, earlier reviews', async () => {
    await clearQueue();
    const [onLine] = await insertInspections(sql, [seed(line, 'uncertain', 20)]);
    const claim = await alice.call('POST', '/api/v1/review-queue/claim', { json: { limit: 5 } });
    const item = claim.body.items[0];
    expect(claim.body.items).toHaveLength(1);
    expect(item).toMatchObject({
      id: onLine,
      lineId: line.lineId,
      verdict: 'uncertain',
      line: { id: line.lineId, name: 'queue-line', defectTypes: ['crack', 'blowhole'] },
      cameraName: 'cam-1',
      model: { id: modelId, name: 'tiles', version: 3 },
      // The line overrides only the low end of the band; the rest is the model's.
      decision: { threshold: 0.5, uncertainLow: 0.3, uncertainHigh: 0.6, source: 'line' },
      reviews: [],
      reviewCount: 0,
      thumbnailUrl: `/api/v1/inspections/${onLine}/thumbnail`,
      imageUrl: `/api/v1/inspections/${onLine}/image`,
      heatmapUrl: `/api/v1/inspections/${onLine}/heatmap`,
    });
    const expires = Date.parse(item.claimExpiresAt) - Date.now();
    expect(expires).toBeGreaterThan(290_000);
    expect(expires).toBeLessThanOrEqual(301_000);

    const [second] = await insertInspections(sql, [seed(other, 'defect', 22)]);
    const first = await bob.call('POST', `/api/v1/inspections/${second}/reviews`, {
      json: { decision: 'ok', note: 'looks fine' },
    });
    // A reviewed item leaves the queue; the count is reset by hand to put it back with its history.
    await sql.query(`UPDATE inspections SET review_count = 0 WHERE id = $1`, [second]);
    const withHistory = await bob.call('POST', '/api/v1/review-queue/claim', {
      json: { lineId: other.lineId },
    });
    expect(withHistory.body.items[0]).toMatchObject({
      id: second,
      decision: { threshold: 0.5, uncertainLow: 0.4, uncertainHigh: 0.6, source: 'model' },
      reviews: [{ id: first.body.id, decision: 'ok', note: 'looks fine', reviewerName: 'bob' }],
    });
  });

  it('never gives two reviewers the same item, however many claim at once', async () => {
    await clearQueue();
    const minutes = Array.from({ length: 60 }, (_, i) => 100 + i);
    await insertInspections(
      sql,
      minutes.map((minute) => seed(line, minute % 3 === 0 ? 'uncertain' : 'defect', minute)),
    );
    const reviewers: { id: string; session: CookieSession }[] = [];
    for (let i = 0; i < 8; i += 1) {
      const user = await createConsoleUser(api, `crowd${i}@example.com`, 'qa');
      reviewers.push({ id: user.id, session: await signIn(api, user.email, user.password) });
    }
    const results = await Promise.all(
      reviewers.flatMap((reviewer) =>
        Array.from({ length: 4 }, async () => {
          const claim = await reviewer.session.call('POST', '/api/v1/review-queue/claim', {
            json: { limit: 4 },
          });
          expect(claim.status).toBe(200);
          return {
            reviewer: reviewer.id,
            ids: claim.body.items.map((item: { id: string }) => item.id) as string[],
          };
        }),
      ),
    );
    const owner = new Map<string, string>();
    for (const result of results) {
      for (const id of result.ids) {
        const previous = owner.get(id);
        if (previous !== undefined) expect(previous).toBe(result.reviewer);
        owner.set(id, result.reviewer);
      }
    }
    expect(owner.size).toBeGreaterThanOrEqual(32);
    const claims = await sql.query(
      `SELECT inspection_id, user_id FROM review_claims WHERE expires_at > now()`,
    );
    expect(claims.rows).toHaveLength(owner.size);
    for (const row of claims.rows) expect(owner.get(row.inspection_id)).toBe(row.user_id);
    // Each reviewer holds at most what one claim of 4 returns, plus what concurrent claims of its own added.
    const perUser = new Map<string, number>();
    for (const row of claims.rows) perUser.set(row.user_id, (perUser.get(row.user_id) ?? 0) + 1);
    for (const count of perUser.values()) expect(count).toBeLessThanOrEqual(16);
  });

  it("returns a reviewer's own claims first, and frees an item when its claim expires", async () => {
    await clearQueue();
    const [first, second, third] = await insertInspections(sql, [
      seed(line, 'uncertain', 200),
      seed(line, 'uncertain', 201),
      seed(line, 'defect', 202),
    ]);
    const mine = await alice.call('POST', '/api/v1/review-queue/claim', { json: { limit: 1 } });
    expect(mine.body.items.map((i: { id: string }) => i.id)).toEqual([first]);
    const again = await alice.call('POST', '/api/v1/review-queue/claim', { json: { limit: 2 } });
    expect(again.body.items.map((i: { id: string }) => i.id)).toEqual([first, second]);
    const bobs = await bob.call('POST', '/api/v1/review-queue/claim', { json: { limit: 5 } });
    expect(bobs.body.items.map((i: { id: string }) => i.id)).toEqual([third]);

    await sql.query(
      `UPDATE review_claims SET expires_at = now() - interval '1 second' WHERE inspection_id = $1`,
      [first],
    );
    const afterExpiry = await bob.call('POST', '/api/v1/review-queue/claim', { json: { limit: 5 } });
    expect(afterExpiry.body.items.map((i: { id: string }) => i.id).sort()).toEqual([first, third].sort());
    const claim = await sql.query(`SELECT user_id FROM review_claims WHERE inspection_id = $1`, [first]);
    expect(claim.rows).toHaveLength(1);
  });

  it('releases only the caller’s own claims', async () => {
    await clearQueue();
    const [item] = await insertInspections(sql, [seed(line, 'defect', 300)]);
    await alice.call('POST', '/api/v1/review-queue/claim', { json: {} });
    expect(
      (await bob.call('POST', '/api/v1/review-queue/release', { json: { inspectionIds: [item] } })).status,
    ).toBe(204);
    expect((await bob.call('POST', '/api/v1/review-queue/claim', { json: {} })).body.items).toEqual([]);
    expect(
      (await alice.call('POST', '/api/v1/review-queue/release', { json: { inspectionIds: [item] } })).status,
    ).toBe(204);
    const bobs = await bob.call('POST', '/api/v1/review-queue/claim', { json: {} });
    expect(bobs.body.items.map((i: { id: string }) => i.id)).toEqual([item]);
    const bad = await bob.call('POST', '/api/v1/review-queue/release', { json: { inspectionIds: ['nope'] } });
    expect(bad).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });

  it('a review releases the claim and takes the item out of the queue', async () => {
    await clearQueue();
    const [item, next] = await insertInspections(sql, [
      seed(line, 'uncertain', 400),
      seed(line, 'defect', 401),
    ]);
    const claimed = await alice.call('POST', '/api/v1/review-queue/claim', { json: { limit: 1 } });
    expect(claimed.body.items[0].id).toBe(item);
    const review = await alice.call('POST', `/api/v1/inspections/${item}/reviews`, {
      json: { decision: 'defect', defectType: 'crack' },
    });
    expect(review.status).toBe(201);
    expect(
      (await sql.query(`SELECT 1 FROM review_claims WHERE inspection_id = $1`, [item])).rows,
    ).toHaveLength(0);
    const summary = await alice.call('GET', '/api/v1/review-queue/summary');
    expect(summary.body).toMatchObject({ uncertain: 0, defect: 1, total: 1 });
    const following = await alice.call('POST', '/api/v1/review-queue/claim', { json: { limit: 5 } });
    expect(following.body.items.map((i: { id: string }) => i.id)).toEqual([next]);
  });

  it('accepts a correcting review only for a review of the same inspection', async () => {
    await clearQueue();
    const [item, elsewhere] = await insertInspections(sql, [
      seed(line, 'uncertain', 500),
      seed(line, 'defect', 501),
    ]);
    const first = await alice.call('POST', `/api/v1/inspections/${item}/reviews`, {
      json: { decision: 'ok' },
    });
    expect(first.body).toMatchObject({ supersedesReviewId: null, reviewerName: 'alice' });
    const wrongItem = await alice.call('POST', `/api/v1/inspections/${elsewhere}/reviews`, {
      json: { decision: 'defect', supersedesReviewId: first.body.id },
    });
    expect(wrongItem).toMatchObject({ status: 400, body: { error: 'invalid_supersedes' } });
    const unknown = await alice.call('POST', `/api/v1/inspections/${item}/reviews`, {
      json: { decision: 'defect', supersedesReviewId: '00000000-0000-4000-8000-000000000000' },
    });
    expect(unknown).toMatchObject({ status: 400, body: { error: 'invalid_supersedes' } });
    const undo = await alice.call('POST', `/api/v1/inspections/${item}/reviews`, {
      json: { decision: 'defect', defectType: 'blowhole', supersedesReviewId: first.body.id },
    });
    expect(undo).toMatchObject({
      status: 201,
      body: { supersedesReviewId: first.body.id, decision: 'defect' },
    });
    const list = await alice.call('GET', `/api/v1/inspections/${item}/reviews`);
    expect(list.body.map((r: { id: string }) => r.id)).toEqual([first.body.id, undo.body.id]);
    const counts = await sql.query(
      `SELECT review_count FROM inspections WHERE id = ANY($1) ORDER BY received_at`,
      [[item, elsewhere]],
    );
    expect(counts.rows.map((r) => r.review_count)).toEqual([2, 0]);
  });

  it('serves the queue from the partial index', async () => {
    await sql.query('BEGIN');
    try {
      await sql.query('SET LOCAL enable_seqscan = off');
      const plan = await sql.query(
        `EXPLAIN SELECT i.id FROM inspections i WHERE i.review_count = 0 AND i.verdict IN ('uncertain', 'defect')
          ORDER BY i.verdict DESC, i.received_at, i.id LIMIT 5`,
      );
      const text = plan.rows.map((row) => row['QUERY PLAN']).join('\n');
      expect(text).toContain('inspections_review_queue');
      // No Sort node (a Merge Append of the day partitions' index scans prints its own "Sort Key").
      expect(text).not.toMatch(/\bSort {2}\(cost/);
    } finally {
      await sql.query('ROLLBACK');
    }
  });
});
