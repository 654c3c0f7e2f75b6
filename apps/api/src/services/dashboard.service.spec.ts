import { DashboardRepository } from '../repositories/dashboard.repository';
import {
  apiErrorOf,
  createServiceTestBed,
  type ServiceTestBed,
} from '../../../../test/support/service-testing';
import {
  seedCamera,
  seedLine,
  seedModelVersion,
  seedPendingInspection,
  seedScoredInspection,
} from '../../../../test/support/seed';
import { DashboardService, bucketFor } from './dashboard.service';

const HOUR = 3600_000;

describe('DashboardService (real PostgreSQL)', () => {
  let bed: ServiceTestBed;
  let service: DashboardService;
  let lineId: string;
  let cameraA: string;
  let cameraB: string;
  const to = new Date(Date.UTC(2026, 0, 2, 0, 0, 0));
  const from = new Date(to.getTime() - 2 * HOUR);
  const range = { from: from.toISOString(), to: to.toISOString() };

  beforeAll(async () => {
    bed = await createServiceTestBed([DashboardRepository, DashboardService]);
    service = bed.get(DashboardService);
    lineId = await seedLine(bed.dataSource);
    const modelVersionId = await seedModelVersion(bed.dataSource);
    cameraA = await seedCamera(bed.dataSource, lineId);
    cameraB = await seedCamera(bed.dataSource, lineId);
    // In the range: A has ok, ok, defect in the first hour; B has one uncertain in the second. One outside it.
    const scored = (cameraId: string, verdict: 'ok' | 'defect' | 'uncertain', at: number) =>
      seedScoredInspection(bed.dataSource, {
        lineId,
        cameraId,
        verdict,
        receivedAt: new Date(at),
        modelVersionId,
      });
    await scored(cameraA, 'ok', from.getTime() + 60_000);
    await scored(cameraA, 'ok', from.getTime() + 120_000);
    await scored(cameraA, 'defect', from.getTime() + 180_000);
    await scored(cameraB, 'uncertain', from.getTime() + HOUR + 60_000);
    await scored(cameraA, 'defect', to.getTime()); // `to` is exclusive
  });
  afterAll(() => bed.close());

  it('counts only the range, with rates over scored items and throughput per minute', async () => {
    const board = await service.line(lineId, range);
    expect(board.totals).toMatchObject({
      total: 4,
      ok: 2,
      defect: 1,
      uncertain: 1,
      reviewBacklog: 2,
      defectRate: 0.25,
      uncertainRate: 0.25,
    });
    expect(board.totals.throughputPerMinute).toBeCloseTo(4 / 120);
    expect(board.bucketSeconds).toBe(60);
    expect(board.series.reduce((sum, point) => sum + point.total, 0)).toBe(4);
    expect(board.cameras.map((camera) => [camera.cameraId, camera.total]).sort()).toEqual(
      [
        [cameraA, 3],
        [cameraB, 1],
      ].sort(),
    );
  });

  it("narrows to one of the line's cameras, and refuses a camera of another line", async () => {
    expect((await service.line(lineId, { ...range, cameraId: cameraB })).totals.total).toBe(1);
    const elsewhere = await seedCamera(bed.dataSource, await seedLine(bed.dataSource));
    expect(await apiErrorOf(service.line(lineId, { ...range, cameraId: elsewhere }))).toEqual({
      status: 404,
      error: 'camera_not_found',
    });
    expect(await apiErrorOf(service.line('00000000-0000-4000-8000-000000000000', range))).toEqual({
      status: 404,
      error: 'line_not_found',
    });
  });

  it('refuses a range that is empty, backwards or longer than 400 days', async () => {
    const day = 86_400_000;
    for (const [start, end] of [
      [to, to],
      [to, from],
      [new Date(to.getTime() - 401 * day), to],
    ])
      expect(
        await apiErrorOf(service.line(lineId, { from: start.toISOString(), to: end.toISOString() })),
      ).toEqual({
        status: 400,
        error: 'invalid_range',
      });
    expect(
      (await service.line(lineId, { from: new Date(to.getTime() - 400 * day).toISOString(), to: range.to }))
        .bucketSeconds,
    ).toBe(86_400);
  });

  it('keeps a series near 200 points at most with readable buckets', () => {
    expect(bucketFor(2 * HOUR)).toBe(60);
    expect(bucketFor(24 * HOUR)).toBe(900);
    expect(bucketFor(7 * 24 * HOUR)).toBe(3600);
    expect(bucketFor(30 * 24 * HOUR)).toBe(6 * 3600);
    for (const days of [1, 30, 90, 400]) {
      const rangeMs = days * 24 * HOUR;
      expect(rangeMs / (bucketFor(rangeMs) * 1000)).toBeLessThanOrEqual(Math.max(200, days));
    }
  });

  it('the overview shows every line, pending items counted but not in the rates', async () => {
    const quiet = await seedLine(bed.dataSource);
    await seedPendingInspection(bed.dataSource, quiet);
    const overview = await service.overview({});
    expect(overview.lines.find((line) => line.lineId === quiet)).toMatchObject({
      total: 1,
      pending: 1,
      defectRate: 0,
    });
    expect(overview.lines.find((line) => line.lineId === lineId)).toMatchObject({ total: 0 }); // seeded in 2026-01-01
  });
});
