import { type CameraPrincipal, type UserPrincipal } from '../auth/principals';
import {
  apiErrorOf,
  createServiceTestBed,
  type ServiceTestBed,
} from '../../../../test/support/service-testing';
import { seedCamera, seedLine, seedModelVersion, seedScoredInspection } from '../../../../test/support/seed';
import { InspectionQueryService } from './inspection-query.service';

describe('InspectionQueryService (real PostgreSQL)', () => {
  let bed: ServiceTestBed;
  let service: InspectionQueryService;
  let lineId: string;
  let mine: CameraPrincipal;
  let otherCamera: string;
  let theirs: string;
  const person: UserPrincipal = { kind: 'user', userId: 'not-used', role: 'qa' };
  const newest: string[] = [];

  beforeAll(async () => {
    bed = await createServiceTestBed([InspectionQueryService]);
    service = bed.get(InspectionQueryService);
    lineId = await seedLine(bed.dataSource);
    const modelVersionId = await seedModelVersion(bed.dataSource);
    const cameraId = await seedCamera(bed.dataSource, lineId);
    otherCamera = await seedCamera(bed.dataSource, lineId);
    mine = {
      kind: 'camera',
      cameraId,
      lineId,
      keyId: 'key',
      rateLimitPerSecond: null,
      line: { verdictMode: 'sync', verdictDeadlineMs: 1000 },
    };
    const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000);
    for (const minutesAgo of [1, 2, 3])
      newest.push(
        await seedScoredInspection(bed.dataSource, {
          lineId,
          cameraId,
          verdict: minutesAgo === 2 ? 'defect' : 'ok',
          receivedAt: at(minutesAgo),
          modelVersionId,
        }),
      );
    theirs = await seedScoredInspection(bed.dataSource, {
      lineId,
      cameraId: otherCamera,
      verdict: 'ok',
      receivedAt: at(0),
      modelVersionId,
    });
  });
  afterAll(() => bed.close());

  it("answers 404 to a camera asking for another camera's inspection, as for one that does not exist", async () => {
    expect((await service.get(newest[0], mine)).id).toBe(newest[0]);
    expect(await apiErrorOf(service.get(theirs, mine))).toEqual({
      status: 404,
      error: 'inspection_not_found',
    });
    expect((await service.get(theirs, person)).id).toBe(theirs);
  });

  it("lists only a camera's own inspections, and refuses a camera asking for another's", async () => {
    expect((await service.list({}, mine)).items.map((item) => item.id)).toEqual(newest);
    expect(await apiErrorOf(service.list({ cameraId: otherCamera }, mine))).toEqual({
      status: 403,
      error: 'forbidden',
    });
    expect((await service.list({ lineId }, person)).items).toHaveLength(4);
  });

  it('pages newest first with a keyset cursor, and filters by verdict', async () => {
    const first = await service.list({ limit: 2 }, mine);
    const rest = await service.list({ limit: 2, cursor: first.nextCursor! }, mine);
    expect([...first.items, ...rest.items].map((item) => item.id)).toEqual(newest);
    expect(rest.nextCursor).toBeNull();
    expect((await service.list({ verdict: 'defect' }, mine)).items.map((item) => item.id)).toEqual([
      newest[1],
    ]);
  });
});
