import { MODELS_CHANNEL } from '@linescope/db';
import { Client } from 'pg';
import { type UserPrincipal } from '../auth/principals';
import {
  apiErrorOf,
  createServiceTestBed,
  type ServiceTestBed,
} from '../../../../test/support/service-testing';
import { seedModelVersion, seedUser } from '../../../../test/support/seed';
import { type UpdateLineDto } from '../dtos/line.dto';
import { LineService } from './line.service';

/** An update body as the validation pipe leaves it: only the fields sent. */
const change = (fields: Partial<UpdateLineDto>) => fields as UpdateLineDto;

describe('LineService (real PostgreSQL)', () => {
  let bed: ServiceTestBed;
  let service: LineService;
  let actor: UserPrincipal;

  beforeAll(async () => {
    bed = await createServiceTestBed([LineService]);
    service = bed.get(LineService);
    actor = { kind: 'user', userId: await seedUser(bed.dataSource, 'admin'), role: 'admin' };
  });
  afterAll(() => bed.close());

  const auditActions = async (lineId: string) =>
    (
      await bed.dataSource.query<{ action: string }[]>(
        `SELECT action FROM audit_events WHERE target_id = $1 ORDER BY id`,
        [lineId],
      )
    ).map((row) => row.action);
  const lineCount = async () =>
    (await bed.dataSource.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM production_lines`))[0].n;

  it('creates a line, audited, with a webhook secret shown once', async () => {
    const created = await service.create({ name: 'l-create', webhookUrl: 'https://example.com/hook' }, actor);
    expect(created.webhookSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await service.get(created.id)).webhookSecret).toBe(created.webhookSecret);
    expect(await auditActions(created.id)).toEqual(['line.create']);
    expect((await service.list()).map((line) => line.name)).toContain('l-create');
  });

  it('refuses a band that does not hold its threshold, and a duplicate name, writing nothing', async () => {
    const before = await lineCount();
    expect(
      await apiErrorOf(service.create({ name: 'l-band', uncertainLow: 0.7, uncertainHigh: 0.6 }, actor)),
    ).toEqual({ status: 400, error: 'invalid_band' });
    expect(
      await apiErrorOf(
        service.create(
          { name: 'l-band', operatingThreshold: 0.9, uncertainLow: 0.4, uncertainHigh: 0.6 },
          actor,
        ),
      ),
    ).toEqual({ status: 400, error: 'invalid_band' });
    await service.create({ name: 'l-twice' }, actor);
    expect(await apiErrorOf(service.create({ name: 'l-twice' }, actor))).toEqual({
      status: 409,
      error: 'line_exists',
    });
    expect(await lineCount()).toBe(before + 1);
  });

  it('checks an update against the stored band, and leaves the line unchanged when it is refused', async () => {
    const line = await service.create({ name: 'l-update', uncertainLow: 0.3, uncertainHigh: 0.6 }, actor);
    expect(await apiErrorOf(service.update(line.id, change({ operatingThreshold: 0.9 }), actor))).toEqual({
      status: 400,
      error: 'invalid_band',
    });
    expect(
      await apiErrorOf(
        service.update(line.id, change({ modelVersionId: '00000000-0000-4000-8000-000000000000' }), actor),
      ),
    ).toEqual({ status: 400, error: 'model_not_found' });
    expect(
      await apiErrorOf(service.update('00000000-0000-4000-8000-000000000000', change({}), actor)),
    ).toEqual({
      status: 404,
      error: 'line_not_found',
    });
    const stored = await service.get(line.id);
    expect(stored).toMatchObject({ operatingThreshold: null, uncertainLow: 0.3, uncertainHigh: 0.6 });
    expect(await auditActions(line.id)).toEqual(['line.create']);
  });

  it('gives a new webhook target a new secret, clears it with the target, keeps fields left out', async () => {
    const line = await service.create(
      { name: 'l-hook', description: 'kept', webhookUrl: 'https://example.com/a' },
      actor,
    );
    const same = await service.update(line.id, change({ webhookUrl: 'https://example.com/a' }), actor);
    expect(same.webhookSecret).toBeUndefined();
    const moved = await service.update(line.id, change({ webhookUrl: 'https://example.com/b' }), actor);
    expect(moved.webhookSecret).toBeDefined();
    expect(moved.webhookSecret).not.toBe(line.webhookSecret);
    await service.update(line.id, change({ webhookUrl: null }), actor);
    expect(await service.get(line.id)).toMatchObject({
      description: 'kept',
      webhookUrl: null,
      webhookSecret: null,
    });
    expect(await auditActions(line.id)).toEqual(['line.create', 'line.update', 'line.update', 'line.update']);
  });

  it('tells inference instances when a decision setting changes, and only then', async () => {
    const line = await service.create({ name: 'l-notify' }, actor);
    const modelVersionId = await seedModelVersion(bed.dataSource);
    const listener = new Client({ connectionString: bed.db.url });
    const heard: string[] = [];
    try {
      await listener.connect();
      listener.on('notification', (message) => heard.push(message.payload ?? ''));
      await listener.query(`LISTEN ${MODELS_CHANNEL}`);
      await service.update(line.id, change({ description: 'no decision change' }), actor);
      await service.update(line.id, change({ modelVersionId, operatingThreshold: 0.7 }), actor);
      await listener.query('SELECT 1'); // notifications sent before this round trip have arrived
      expect(heard.map((payload) => JSON.parse(payload) as unknown)).toEqual([
        { event: 'line', id: line.id },
      ]);
    } finally {
      await listener.end();
    }
  });
});
