import { createHmac } from 'node:crypto';
import { type UserPrincipal } from '../auth/principals';
import {
  apiErrorOf,
  createServiceTestBed,
  type ServiceTestBed,
} from '../../../../test/support/service-testing';
import { type HttpStub, startHttpStub } from '../../../../test/support/http-stub';
import { freePort } from '../../../../test/support/ports';
import {
  seedCamera,
  seedLine,
  seedModelVersion,
  seedPendingInspection,
  seedScoredInspection,
  seedUser,
} from '../../../../test/support/seed';
import { WebhookService } from './webhook.service';

describe('WebhookService (real PostgreSQL, a real HTTP receiver)', () => {
  let bed: ServiceTestBed;
  let service: WebhookService;
  let receiver: HttpStub;
  let hookUrl: string;
  let actor: UserPrincipal;
  let modelVersionId: string;

  beforeAll(async () => {
    receiver = await startHttpStub();
    hookUrl = `${receiver.url}/hook`;
    bed = await createServiceTestBed([WebhookService]);
    service = bed.get(WebhookService);
    actor = { kind: 'user', userId: await seedUser(bed.dataSource, 'admin'), role: 'admin' };
    modelVersionId = await seedModelVersion(bed.dataSource);
  });
  afterAll(async () => {
    await bed.close();
    await receiver.close();
  });
  beforeEach(() => {
    receiver.requests.length = 0;
    receiver.respond = () => ({ status: 200 });
  });
  const deliveries = () => receiver.requests;

  const scoredOn = async (lineId: string) =>
    seedScoredInspection(bed.dataSource, {
      lineId,
      cameraId: await seedCamera(bed.dataSource, lineId),
      verdict: 'defect',
      receivedAt: new Date(),
      modelVersionId,
    });
  const audited = (lineId: string) =>
    bed.dataSource.query(
      `SELECT action, details->>'delivered' AS delivered FROM audit_events WHERE target_id = $1`,
      [lineId],
    );

  it('signs the timestamp and the body together with the line secret', async () => {
    const lineId = await seedLine(bed.dataSource, { webhookUrl: hookUrl });
    const inspectionId = await scoredOn(lineId);
    expect(await service.notify(inspectionId)).toEqual({ status: 'done', detail: { httpStatus: 200 } });
    expect(deliveries()).toHaveLength(1);
    const [{ headers }] = deliveries();
    const body = deliveries()[0].body.toString('utf8');
    expect(headers['x-linescope-event']).toBe('inspection.completed');
    expect(JSON.parse(body)).toMatchObject({
      event: 'inspection.completed',
      inspection: { id: inspectionId },
    });
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(headers['x-linescope-signature']))!;
    expect(Math.abs(Number(t) - Date.now() / 1000)).toBeLessThan(60);
    // The seed's line secret is 'secret'; a replayed body with another timestamp must not verify.
    expect(v1).toBe(createHmac('sha256', 'secret').update(`${t}.${body}`).digest('hex'));
  });

  it('skips, without calling anyone, inspections with no result, gone, or on a line without a webhook', async () => {
    const hooked = await seedLine(bed.dataSource, { webhookUrl: hookUrl });
    const plain = await seedLine(bed.dataSource);
    expect(await service.notify(await seedPendingInspection(bed.dataSource, hooked))).toMatchObject({
      status: 'skipped',
    });
    expect(await service.notify('00000000-0000-4000-8000-000000000000')).toMatchObject({
      status: 'skipped',
    });
    expect(await service.notify(await scoredOn(plain))).toMatchObject({ status: 'skipped' });
    expect(deliveries()).toEqual([]);
  });

  it('throws on a non-2xx answer so the queue retries', async () => {
    const lineId = await seedLine(bed.dataSource, { webhookUrl: hookUrl });
    receiver.respond = () => ({ status: 500 });
    await expect(service.notify(await scoredOn(lineId))).rejects.toThrow(/answered 500/);
  });

  it('a test delivery reports the status, follows no redirect, and is audited either way', async () => {
    const lineId = await seedLine(bed.dataSource, { webhookUrl: hookUrl });
    const ok = await service.sendTest(lineId, actor);
    expect(ok).toMatchObject({ delivered: true, httpStatus: 200, error: null });
    expect(deliveries()[0].headers['x-linescope-event']).toBe('test');
    receiver.respond = () => ({ status: 302, headers: { Location: `${receiver.url}/elsewhere` } });
    const redirected = await service.sendTest(lineId, actor);
    expect(redirected).toMatchObject({ delivered: false, httpStatus: null });
    expect(deliveries().map((request) => request.url)).toEqual(['/hook', '/hook']); // never /elsewhere
    expect(await audited(lineId)).toEqual([
      { action: 'line.webhook.test', delivered: 'true' },
      { action: 'line.webhook.test', delivered: 'false' },
    ]);
  });

  it('reports a receiver that is not listening as a network error', async () => {
    const closed = `http://127.0.0.1:${await freePort()}/closed`;
    const lineId = await seedLine(bed.dataSource, { webhookUrl: closed });
    const result = await service.sendTest(lineId, actor);
    expect(result).toMatchObject({ delivered: false, httpStatus: null });
    expect(result.error).toMatch(/ECONNREFUSED/);
  });

  it('refuses a test for a missing line or a line without a webhook, auditing nothing', async () => {
    const plain = await seedLine(bed.dataSource);
    expect(await apiErrorOf(service.sendTest('00000000-0000-4000-8000-000000000000', actor))).toEqual({
      status: 404,
      error: 'line_not_found',
    });
    expect(await apiErrorOf(service.sendTest(plain, actor))).toEqual({ status: 409, error: 'no_webhook' });
    expect(await audited(plain)).toEqual([]);
  });
});
