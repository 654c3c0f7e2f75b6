import { randomUUID } from 'node:crypto';
import { createServiceTestBed, type ServiceTestBed } from '../../../../test/support/service-testing';
import { seedCamera, seedLine, seedUser } from '../../../../test/support/seed';
import { InspectionPartitionRepository } from '../repositories/inspection-partition.repository';
import { PartitionMaintenanceService } from './partition-maintenance.service';

const NOW = new Date('2031-06-15T12:00:00Z');

/** The maintain-partitions job's work, on real PostgreSQL with the migration's functions. */
describe('PartitionMaintenanceService', () => {
  let bed: ServiceTestBed;
  let lineId: string;
  let cameraId: string;

  const bedWith = async (env: Record<string, string>) => {
    bed = await createServiceTestBed([InspectionPartitionRepository, PartitionMaintenanceService], { env });
    lineId = await seedLine(bed.dataSource);
    cameraId = await seedCamera(bed.dataSource, lineId);
    return bed.get(PartitionMaintenanceService);
  };
  afterEach(async () => bed.close());

  const insertAt = async (receivedAt: string): Promise<string> => {
    const rows: { id: string }[] = await bed.dataSource.query(
      `INSERT INTO inspections (line_id, camera_id, image_key, image_sha256, image_bytes, width, height, format,
                                received_at)
       VALUES ($1, $2, $3, repeat('a', 64), 10, 1, 1, 'png', $4) RETURNING id`,
      [lineId, cameraId, `images/${randomUUID()}.png`, receivedAt],
    );
    return rows[0].id;
  };
  const days = () => bed.get(InspectionPartitionRepository).days();

  it('creates today and the days ahead, and with no retention set drops nothing', async () => {
    const service = await bedWith({ INSPECTION_PARTITIONS_AHEAD_DAYS: '3' });
    await bed.get(InspectionPartitionRepository).create(['2031-05-01']);
    await insertAt('2031-05-01T08:00:00Z');
    const report = await service.maintain(NOW);
    expect(report.ensured).toEqual([
      'inspections_p20310615',
      'inspections_p20310616',
      'inspections_p20310617',
      'inspections_p20310618',
    ]);
    expect(report).toMatchObject({ dropped: [], kept: [] });
    expect(await days()).toEqual(expect.arrayContaining(['2031-05-01', '2031-06-15', '2031-06-18']));
    // A second run changes nothing.
    expect((await service.maintain(NOW)).ensured).toEqual(report.ensured);
  });

  it('drops the days past the retention, keeping those with a reviewed or labelled row', async () => {
    const service = await bedWith({
      INSPECTION_PARTITIONS_AHEAD_DAYS: '1',
      INSPECTION_ROW_RETENTION_DAYS: '30',
    });
    const repo = bed.get(InspectionPartitionRepository);
    await repo.create(['2031-05-10', '2031-05-11', '2031-05-12', '2031-05-15', '2031-05-16']);
    await insertAt('2031-05-10T01:00:00Z');
    const reviewed = await insertAt('2031-05-11T23:59:59Z');
    const labelled = await insertAt('2031-05-12T00:00:00Z');
    await insertAt('2031-05-15T23:00:00Z');
    const young = await insertAt('2031-05-16T00:00:00Z');
    const reviewer = await seedUser(bed.dataSource, 'qa');
    await bed.dataSource.query(
      `INSERT INTO reviews (inspection_id, reviewer_id, decision) VALUES ($1, $2, 'ok')`,
      [reviewed, reviewer],
    );
    const sets: { id: string }[] = await bed.dataSource.query(
      `INSERT INTO label_sets (name, task, source, class_names) VALUES ('s', 'classification', '{}', '["ok"]')
       RETURNING id`,
    );
    await bed.dataSource.query(
      `INSERT INTO label_set_items (label_set_id, inspection_id, label) VALUES ($1, $2, 'ok')`,
      [sets[0].id, labelled],
    );

    const report = await service.maintain(NOW);
    // The cutoff is 2031-05-16: days before it are wholly older than 30 days (the migration's empty partitions of
    // the real today and after included).
    expect(report.dropped.filter((day) => day.startsWith('2031'))).toEqual(['2031-05-10', '2031-05-15']);
    expect(report.dropped.every((day) => day < '2031-05-16')).toBe(true);
    expect(report.kept).toEqual(['2031-05-11', '2031-05-12']);
    const left: { id: string }[] = await bed.dataSource.query(
      `SELECT id FROM inspections ORDER BY received_at`,
    );
    expect(left.map((row) => row.id)).toEqual([reviewed, labelled, young]);
    const keys: { n: number }[] = await bed.dataSource.query(
      `SELECT count(*)::int AS n FROM inspection_keys`,
    );
    expect(keys[0].n).toBe(3);
    expect(await days()).not.toContain('2031-05-10');
    expect(await days()).toContain('2031-06-16');
  });
});
