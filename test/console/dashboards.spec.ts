import { Client } from 'pg';
import { type ApiHarness, startApiHarness } from '../support/api-harness';
import { type CookieSession, createConsoleUser, signIn } from '../support/console-users';
import {
  type SeedInspection,
  type SeededLine,
  createLineWithCamera,
  insertInspections,
  insertModelVersion,
} from '../support/console-seed';

/** percentile_cont as PostgreSQL defines it: linear interpolation between the closest ranks. */
function percentileCont(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const position = p * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
}

/** A small deterministic generator, so a failure can be reproduced. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

interface Seed extends SeedInspection {
  reviewed: boolean;
}

function expectedTotals(rows: Seed[], periodMs: number) {
  const scored = rows.filter((r) => r.verdict);
  const count = (predicate: (r: Seed) => boolean) => rows.filter(predicate).length;
  const latencies = rows.map((r) => r.totalMs).filter((v): v is number => typeof v === 'number');
  const defect = count((r) => r.verdict === 'defect');
  const uncertain = count((r) => r.verdict === 'uncertain');
  return {
    total: rows.length,
    ok: count((r) => r.verdict === 'ok'),
    defect,
    uncertain,
    pending: count((r) => r.status === 'pending'),
    failed: count((r) => r.status === 'failed'),
    reviewBacklog: count((r) => (r.verdict === 'defect' || r.verdict === 'uncertain') && !r.reviewed),
    defectRate: scored.length ? defect / scored.length : 0,
    uncertainRate: scored.length ? uncertain / scored.length : 0,
    throughputPerMinute: rows.length / (periodMs / 60_000),
    p50LatencyMs: percentileCont(latencies, 0.5),
    p99LatencyMs: percentileCont(latencies, 0.99),
  };
}

function expectClose(actual: Record<string, unknown>, expected: Record<string, number | null>) {
  for (const [key, value] of Object.entries(expected)) {
    if (value === null) expect({ key, value: actual[key] }).toEqual({ key, value: null });
    else expect({ key, value: actual[key] as number }).toEqual({ key, value: expect.closeTo(value, 6) });
  }
}

describe('line dashboards', () => {
  let api: ApiHarness;
  let sql: Client;
  let line: SeededLine;
  let secondCamera: string;
  let otherLine: SeededLine;
  let qa: CookieSession;
  let production: string;
  let override: string;
  const from = new Date('2026-11-04T00:00:00.000Z');
  const to = new Date('2026-11-04T06:00:00.000Z');
  const periodMs = to.getTime() - from.getTime();
  const seeded: Seed[] = [];

  beforeAll(async () => {
    api = await startApiHarness();
    sql = new Client({ connectionString: api.db.url });
    await sql.connect();
    production = await insertModelVersion(sql, { name: 'prod', version: 4 });
    override = await insertModelVersion(sql, { name: 'special', version: 2 });
    await sql.query(`UPDATE model_versions SET stage = 'production' WHERE id = $1`, [production]);
    line = await createLineWithCamera(api, 'dash-line', { modelVersionId: override });
    const camera = await api.call('POST', `/api/v1/lines/${line.lineId}/cameras`, {
      token: api.adminToken,
      json: { name: 'cam-2' },
    });
    secondCamera = camera.body.camera.id;
    otherLine = await createLineWithCamera(api, 'dash-other');
    const user = await createConsoleUser(api, 'dash@example.com', 'qa');
    qa = await signIn(api, user.email, user.password);

    const next = random(42);
    const verdicts = ['ok', 'ok', 'ok', 'defect', 'uncertain'] as const;
    const make = (lineRef: SeededLine, cameraId: string, at: Date): Seed => {
      const roll = next();
      const status = roll < 0.08 ? 'pending' : roll < 0.12 ? 'failed' : 'scored';
      const verdict = status === 'scored' ? verdicts[Math.floor(next() * verdicts.length)] : null;
      return {
        lineId: lineRef.lineId,
        cameraId,
        receivedAt: at,
        status,
        verdict,
        modelVersionId: verdict ? production : null,
        totalMs: status === 'scored' && next() > 0.1 ? Math.round(next() * 40_000) / 100 : null,
        reviewed: verdict !== null && verdict !== 'ok' && next() < 0.4,
      };
    };
    for (let i = 0; i < 160; i += 1) {
      const at = new Date(from.getTime() + Math.floor(next() * periodMs));
      seeded.push(make(line, next() < 0.6 ? line.cameraId : secondCamera, at));
    }
    // Edges: `from` is inside the range, `to` is not; rows just outside and on another line do not count.
    seeded.push(make(line, line.cameraId, from));
    seeded.push(make(line, line.cameraId, to));
    seeded.push(make(line, line.cameraId, new Date(from.getTime() - 1)));
    for (let i = 0; i < 20; i += 1)
      seeded.push(
        make(otherLine, otherLine.cameraId, new Date(from.getTime() + Math.floor(next() * periodMs))),
      );
    const ids = await insertInspections(sql, seeded);
    const admin = await sql.query(`SELECT id FROM users WHERE email = 'admin@example.com'`);
    for (const [index, row] of seeded.entries()) {
      if (!row.reviewed) continue;
      await sql.query(
        `INSERT INTO reviews (inspection_id, reviewer_id, decision) VALUES ($1, $2, 'defect')`,
        [ids[index], admin.rows[0].id],
      );
    }
  });
  afterAll(async () => {
    await sql.end();
    await api.stop();
  });

  const inRange = (row: Seed, lineId: string) =>
    row.lineId === lineId && row.receivedAt >= from && row.receivedAt < to;

  it('counts, rates, percentiles, buckets and cameras match values computed from the seeded rows', async () => {
    const result = await qa.call(
      'GET',
      `/api/v1/dashboards/lines/${line.lineId}?from=${from.toISOString()}&to=${to.toISOString()}`,
    );
    expect(result.status).toBe(200);
    const body = result.body;
    const rows = seeded.filter((row) => inRange(row, line.lineId));
    expect(rows.length).toBeGreaterThan(150);
    expect(body).toMatchObject({
      line: { id: line.lineId, name: 'dash-line' },
      from: from.toISOString(),
      to: to.toISOString(),
      bucketSeconds: 300,
      servingModel: { id: override, name: 'special', version: 2 },
    });
    expectClose(body.totals, expectedTotals(rows, periodMs));

    expect(body.series).toHaveLength(72);
    for (const [k, point] of body.series.entries()) {
      const start = from.getTime() + k * 300_000;
      expect(point.t).toBe(new Date(start).toISOString());
      const inBucket = rows.filter(
        (r) => r.receivedAt.getTime() >= start && r.receivedAt.getTime() < start + 300_000,
      );
      expectClose(point, expectedTotals(inBucket, 300_000));
    }
    expect(body.series.reduce((sum: number, p: { total: number }) => sum + p.total, 0)).toBe(rows.length);

    expect(body.cameras.map((c: { name: string }) => c.name)).toEqual(['cam-1', 'cam-2']);
    for (const camera of body.cameras) {
      const expected = expectedTotals(
        rows.filter((r) => r.cameraId === camera.cameraId),
        periodMs,
      );
      expectClose(camera, {
        total: expected.total,
        defectRate: expected.defectRate,
        uncertainRate: expected.uncertainRate,
      });
    }
  });

  it('narrows everything to one camera', async () => {
    const result = await qa.call(
      'GET',
      `/api/v1/dashboards/lines/${line.lineId}?from=${from.toISOString()}&to=${to.toISOString()}&cameraId=${secondCamera}`,
    );
    const rows = seeded.filter((row) => inRange(row, line.lineId) && row.cameraId === secondCamera);
    expectClose(result.body.totals, expectedTotals(rows, periodMs));
    expect(result.body.cameras.map((c: { cameraId: string }) => c.cameraId)).toEqual([secondCamera]);
  });

  it('gives every line its totals and serving model in the overview', async () => {
    const result = await qa.call(
      'GET',
      `/api/v1/dashboards/overview?from=${from.toISOString()}&to=${to.toISOString()}`,
    );
    expect(result.status).toBe(200);
    expect(result.body.lines.map((l: { name: string }) => l.name)).toEqual(['dash-line', 'dash-other']);
    const [mine, other] = result.body.lines;
    expect(mine.servingModel).toEqual({ id: override, name: 'special', version: 2 });
    expect(other.servingModel).toEqual({ id: production, name: 'prod', version: 4 });
    expectClose(
      mine,
      expectedTotals(
        seeded.filter((r) => inRange(r, line.lineId)),
        periodMs,
      ),
    );
    expectClose(
      other,
      expectedTotals(
        seeded.filter((r) => inRange(r, otherLine.lineId)),
        periodMs,
      ),
    );
  });

  it.each([
    [3600_000, 60, 60],
    [86_400_000, 900, 96],
    [30 * 86_400_000, 21_600, 120],
    [400 * 86_400_000, 86_400, 400],
  ])('chooses the bucket for a %d ms range (%d s, %d points)', async (rangeMs, bucket, points) => {
    const end = new Date(Date.parse('2026-11-05T00:00:00Z'));
    const start = new Date(end.getTime() - rangeMs);
    const result = await qa.call(
      'GET',
      `/api/v1/dashboards/lines/${line.lineId}?from=${start.toISOString()}&to=${end.toISOString()}`,
    );
    expect(result.status).toBe(200);
    expect(result.body.bucketSeconds).toBe(bucket);
    expect(result.body.series).toHaveLength(points);
    expect(result.body.totals.total).toBe(
      seeded.filter((r) => r.lineId === line.lineId && r.receivedAt >= start && r.receivedAt < end).length,
    );
  });

  it('defaults to the last 24 hours and refuses bad ranges, lines and cameras', async () => {
    const result = await qa.call('GET', `/api/v1/dashboards/lines/${line.lineId}`);
    expect(result.status).toBe(200);
    expect(Math.abs(Date.parse(result.body.to) - Date.now())).toBeLessThan(60_000);
    expect(Date.parse(result.body.to) - Date.parse(result.body.from)).toBe(86_400_000);
    const backwards = await qa.call(
      'GET',
      `/api/v1/dashboards/lines/${line.lineId}?from=${to.toISOString()}&to=${from.toISOString()}`,
    );
    expect(backwards).toMatchObject({ status: 400, body: { error: 'invalid_range' } });
    const tooLong = await qa.call(
      'GET',
      `/api/v1/dashboards/overview?from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z`,
    );
    expect(tooLong).toMatchObject({ status: 400, body: { error: 'invalid_range' } });
    const noLine = await qa.call('GET', '/api/v1/dashboards/lines/00000000-0000-4000-8000-000000000000');
    expect(noLine).toMatchObject({ status: 404, body: { error: 'line_not_found' } });
    const wrongCamera = await qa.call(
      'GET',
      `/api/v1/dashboards/lines/${line.lineId}?cameraId=${otherLine.cameraId}`,
    );
    expect(wrongCamera).toMatchObject({ status: 404, body: { error: 'camera_not_found' } });
    expect((await api.call('GET', '/api/v1/dashboards/overview')).status).toBe(401);
  });

  it('aggregates with index-only scans of the line dashboard index', async () => {
    // Index-only scans need the visibility map, which VACUUM (autovacuum, in production) keeps.
    await sql.query('VACUUM inspections');
    await sql.query('BEGIN');
    try {
      await sql.query('SET LOCAL enable_seqscan = off');
      const plan = await sql.query(
        `EXPLAIN SELECT count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY i.total_ms)
           FROM inspections i WHERE i.line_id = $1 AND i.received_at >= $2 AND i.received_at < $3
            AND ($4::uuid IS NULL OR i.camera_id = $4)`,
        [line.lineId, from, to, null],
      );
      const text = plan.rows.map((row) => row['QUERY PLAN']).join('\n');
      expect(text).toContain('Index Only Scan using inspections_line_dashboard');
    } finally {
      await sql.query('ROLLBACK');
    }
  });
});
