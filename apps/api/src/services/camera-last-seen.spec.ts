import { CameraRepository } from '../repositories/camera.repository';
import { createServiceTestBed, type ServiceTestBed } from '../../../../test/support/service-testing';
import { seedCamera, seedLine } from '../../../../test/support/seed';
import { CameraLastSeen } from './camera-last-seen';

describe('CameraLastSeen (real PostgreSQL)', () => {
  let bed: ServiceTestBed;
  let lastSeen: CameraLastSeen;
  let lineId: string;

  beforeAll(async () => {
    bed = await createServiceTestBed([CameraRepository, CameraLastSeen]);
    lastSeen = bed.get(CameraLastSeen);
    lineId = await seedLine(bed.dataSource);
  });
  afterAll(() => bed.close());

  /** The write is not awaited by the upload: wait until it lands (or give up and answer what is there). */
  const read = async (cameraId: string) =>
    (
      await bed.dataSource.query<{ last_seen_at: Date | null }[]>(
        `SELECT last_seen_at FROM cameras WHERE id = $1`,
        [cameraId],
      )
    )[0].last_seen_at;
  const seenAt = async (cameraId: string, notBefore: Date | null = null): Promise<Date | null> => {
    for (let attempt = 0; attempt < 50; attempt++) {
      const seen = await read(cameraId);
      if (seen && (!notBefore || seen > notBefore)) return seen;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return read(cameraId);
  };
  const age = (cameraId: string) =>
    bed.dataSource.query(`UPDATE cameras SET last_seen_at = now() - interval '1 hour' WHERE id = $1`, [
      cameraId,
    ]);

  it('writes at most once per camera in 10 s, each camera on its own clock', async () => {
    const [a, b] = [await seedCamera(bed.dataSource, lineId), await seedCamera(bed.dataSource, lineId)];
    lastSeen.touch(a, 100_000);
    const first = await seenAt(a);
    expect(first).not.toBeNull();
    await age(a);
    const aged = await seenAt(a);
    lastSeen.touch(a, 109_999); // within 10 s of the last write: nothing is written
    lastSeen.touch(b, 109_999);
    expect(await seenAt(b)).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 200)); // time for a write that should not happen
    expect(await read(a)).toEqual(aged);
    lastSeen.touch(a, 110_000);
    expect((await seenAt(a, aged))!.getTime()).toBeGreaterThan(aged!.getTime());
  });
});
