import { hashSecret } from '@linescope/accounts';
import { type UserPrincipal } from '../auth/principals';
import { CameraRepository } from '../repositories/camera.repository';
import {
  apiErrorOf,
  createServiceTestBed,
  type ServiceTestBed,
} from '../../../../test/support/service-testing';
import { seedLine, seedUser } from '../../../../test/support/seed';
import { CameraService } from './camera.service';

describe('CameraService (real PostgreSQL)', () => {
  let bed: ServiceTestBed;
  let service: CameraService;
  let actor: UserPrincipal;
  let lineId: string;

  beforeAll(async () => {
    bed = await createServiceTestBed([CameraRepository, CameraService]);
    service = bed.get(CameraService);
    actor = { kind: 'user', userId: await seedUser(bed.dataSource, 'admin'), role: 'admin' };
    lineId = await seedLine(bed.dataSource);
  });
  afterAll(() => bed.close());

  /** Key ids of the camera that still authenticate. */
  const activeKeys = async (cameraId: string) =>
    (
      await bed.dataSource.query<{ id: string }[]>(
        `SELECT id FROM camera_api_keys WHERE camera_id = $1 AND revoked_at IS NULL ORDER BY created_at`,
        [cameraId],
      )
    ).map((row) => row.id);

  it('creates a camera with one key, stored only as its hash, and audits it', async () => {
    const issued = await service.create(lineId, { name: 'cam-create' }, actor);
    expect(issued.apiKey).toMatch(/^lsk_/);
    const stored: { key_hash: string }[] = await bed.dataSource.query(
      `SELECT key_hash FROM camera_api_keys WHERE camera_id = $1`,
      [issued.camera.id],
    );
    expect(stored).toEqual([{ key_hash: hashSecret(issued.apiKey) }]);
    expect(JSON.stringify(stored)).not.toContain(issued.apiKey);
    const audit = await bed.dataSource.query(`SELECT action FROM audit_events WHERE target_id = $1`, [
      issued.camera.id,
    ]);
    expect(audit).toEqual([{ action: 'camera.create' }]);
  });

  it('refuses a second camera of the same name on a line, leaving no key or audit event behind', async () => {
    await service.create(lineId, { name: 'cam-twice' }, actor);
    const keysBefore = await bed.dataSource.query(`SELECT count(*)::int AS n FROM camera_api_keys`);
    expect(await apiErrorOf(service.create(lineId, { name: 'cam-twice' }, actor))).toEqual({
      status: 409,
      error: 'camera_exists',
    });
    expect(await bed.dataSource.query(`SELECT count(*)::int AS n FROM camera_api_keys`)).toEqual(keysBefore);
  });

  it('answers 404 for a camera on a line that does not exist', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    expect(await apiErrorOf(service.create(missing, { name: 'cam-x' }, actor))).toEqual({
      status: 404,
      error: 'line_not_found',
    });
    expect(await apiErrorOf(service.listKeys(missing))).toEqual({ status: 404, error: 'camera_not_found' });
  });

  it('rotating revokes the previous keys at once, unless told to keep them', async () => {
    const { camera, key: first } = await service.create(lineId, { name: 'cam-rotate' }, actor);
    const kept = await service.rotate(camera.id, true, actor);
    expect(await activeKeys(camera.id)).toEqual([first.id, kept.key.id]);

    const fresh = await service.rotate(camera.id, false, actor);
    expect(await activeKeys(camera.id)).toEqual([fresh.key.id]);
    const audit: { details: { revokedPrevious: number } }[] = await bed.dataSource.query(
      `SELECT details FROM audit_events WHERE target_id = $1 AND action = 'camera.key.rotate' ORDER BY created_at`,
      [camera.id],
    );
    expect(audit.map((row) => row.details.revokedPrevious)).toEqual([0, 2]);
  });

  it('revokes one key once: a second revocation changes nothing and is not audited again', async () => {
    const { camera, key } = await service.create(lineId, { name: 'cam-revoke' }, actor);
    const revoked = await service.revoke(camera.id, key.id, actor);
    expect(revoked.revokedAt).not.toBeNull();
    const again = await service.revoke(camera.id, key.id, actor);
    expect(again.revokedAt).toEqual(revoked.revokedAt);
    expect(await activeKeys(camera.id)).toEqual([]);
    const audits = await bed.dataSource.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE target_id = $1 AND action = 'camera.key.revoke'`,
      [camera.id],
    );
    expect(audits).toEqual([{ n: 1 }]);
  });

  it("does not revoke another camera's key", async () => {
    const a = await service.create(lineId, { name: 'cam-a' }, actor);
    const b = await service.create(lineId, { name: 'cam-b' }, actor);
    expect(await apiErrorOf(service.revoke(a.camera.id, b.key.id, actor))).toEqual({
      status: 404,
      error: 'key_not_found',
    });
    expect(await activeKeys(b.camera.id)).toEqual([b.key.id]);
  });

  it('lists a line’s cameras by name and a camera’s keys oldest first', async () => {
    const line = await seedLine(bed.dataSource);
    await service.create(line, { name: 'zeta' }, actor);
    const { camera } = await service.create(line, { name: 'alpha' }, actor);
    await service.rotate(camera.id, true, actor);
    expect((await service.list(line)).map((c) => c.name)).toEqual(['alpha', 'zeta']);
    const keys = await service.listKeys(camera.id);
    expect(keys).toHaveLength(2);
    expect(keys[0].createdAt <= keys[1].createdAt).toBe(true);
  });
});
