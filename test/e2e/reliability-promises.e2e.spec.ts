import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { type ApiHarness, startApiHarness } from '../support/api-harness';
import { datasetImages } from '../support/datasets';
import { seedModelVersion } from '../support/seed';
import { waitFor } from '../support/processes';

interface Delivery {
  at: number;
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
}

/**
 * What the README promises about failures that no other test exercised: the object of an upload whose row could not
 * be written is deleted (a database error, not only the idempotency race), the orphan sweep runs on its hourly
 * schedule, and a webhook is signed, delivered, and retried with backoff when its receiver fails.
 */
describe('reliability promises of the API', () => {
  const [tile] = datasetImages('magnetic-tile', 'ok', 1);
  let api: ApiHarness;
  let receiver: Server;
  let receiverUrl: string;
  const deliveries: Delivery[] = [];
  /** The receiver's answers, in order; then 200. */
  const answers: number[] = [];

  const query = <T>(sql: string, values: unknown[] = []): Promise<T[]> =>
    api.running.infra.dataSource.query(sql, values);
  const imageKeys = async () => {
    const keys: string[] = [];
    for await (const object of api.running.infra.store.list('images/')) keys.push(object.key);
    return keys.sort();
  };
  const newLine = async (json: Record<string, unknown>) => {
    const line = await api.call('POST', '/api/v1/lines', { token: api.adminToken, json });
    expect(line.status).toBe(201);
    const camera = await api.call('POST', `/api/v1/lines/${line.body.id}/cameras`, {
      token: api.adminToken,
      json: { name: 'cam' },
    });
    expect(camera.status).toBe(201);
    return {
      lineId: line.body.id as string,
      webhookSecret: line.body.webhookSecret as string | undefined,
      cameraKey: camera.body.apiKey as string,
    };
  };
  const upload = (cameraKey: string, serial: string) =>
    api.call('POST', `/api/v1/inspections?serial=${serial}`, {
      body: tile.bytes,
      headers: { 'content-type': 'image/jpeg', 'x-api-key': cameraKey },
    });

  beforeAll(async () => {
    api = await startApiHarness();
    receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        const answered = answers.shift() ?? 200;
        deliveries.push({ at: Date.now(), headers: request.headers, body, answered });
        response.writeHead(answered).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    await api.stop();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('deletes the stored object when the row cannot be written (a database error), answering 503 with no row', async () => {
    const { cameraKey } = await newLine({ name: 'db-failure', verdictMode: 'async' });
    await query(`CREATE FUNCTION refuse_inspection() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN RAISE EXCEPTION 'injected failure'; END $$`);
    await query(`CREATE TRIGGER refuse_inspection BEFORE INSERT ON inspections FOR EACH ROW
                 WHEN (NEW.product_serial = 'SN-REFUSED') EXECUTE FUNCTION refuse_inspection()`);
    try {
      const before = await imageKeys();
      const refused = await upload(cameraKey, 'SN-REFUSED');
      expect(refused).toMatchObject({ status: 503, body: { error: 'database_unavailable' } });
      expect(await query(`SELECT id FROM inspections WHERE product_serial = 'SN-REFUSED'`)).toEqual([]);
      // The object was written first (the row must never lack it), then removed.
      expect(await imageKeys()).toEqual(before);

      const accepted = await upload(cameraKey, 'SN-ACCEPTED');
      expect(accepted.status).toBe(202);
      expect((await imageKeys()).length).toBe(before.length + 1);
    } finally {
      await query(`DROP TRIGGER refuse_inspection ON inspections`);
      await query(`DROP FUNCTION refuse_inspection()`);
    }
  });

  it('answers 503 (retry), never 500, when the idempotency lookup fails after the credential check', async () => {
    const { cameraKey } = await newLine({ name: 'lookup-failure', verdictMode: 'async' });
    const before = await imageKeys();
    // A database that fails this query and no other (the camera's credential is still checked).
    await query(`ALTER TABLE inspections RENAME COLUMN idempotency_key TO idempotency_key_hidden`);
    let refused;
    try {
      refused = await api.call('POST', '/api/v1/inspections?serial=SN-LOOKUP', {
        body: tile.bytes,
        headers: { 'content-type': 'image/jpeg', 'x-api-key': cameraKey, 'idempotency-key': 'lookup-1' },
      });
    } finally {
      await query(`ALTER TABLE inspections RENAME COLUMN idempotency_key_hidden TO idempotency_key`);
    }
    expect(refused).toMatchObject({ status: 503, body: { error: 'database_unavailable' } });
    expect(await imageKeys()).toEqual(before);
  });

  it('schedules the orphan sweep every hour (one pg-boss cron schedule, the default grace period)', async () => {
    const schedules = await query<{ cron: string; data: unknown }>(
      `SELECT cron, data FROM pgboss.schedule WHERE name = 'sweep-orphans'`,
    );
    expect(schedules).toEqual([{ cron: '17 * * * *', data: {} }]);
  });

  it("schedules partition maintenance every hour, and has run it at start: today's and 7 days' partitions", async () => {
    const schedules = await query<{ cron: string; data: unknown }>(
      `SELECT cron, data FROM pgboss.schedule WHERE name = 'maintain-partitions'`,
    );
    expect(schedules).toEqual([{ cron: '41 * * * *', data: {} }]);
    await waitFor(
      async () =>
        (
          await query<{ state: string }>(
            `SELECT state FROM pgboss.job WHERE name = 'maintain-partitions' AND state = 'completed'`,
          )
        ).length > 0,
      60_000,
      'the maintain-partitions job sent at start completed',
    );
    const partitions = await query<{ n: number }>(
      `SELECT count(*)::int AS n FROM generate_series(0, 7) d
        WHERE to_regclass('inspections_p' || to_char((now() AT TIME ZONE 'UTC')::date + d, 'YYYYMMDD')) IS NOT NULL`,
    );
    expect(partitions).toEqual([{ n: 8 }]);
  });

  it('signs a webhook, and delivers it again with backoff after the receiver failed', async () => {
    const { lineId, webhookSecret, cameraKey } = await newLine({
      name: 'webhook',
      verdictMode: 'async',
      webhookUrl: receiverUrl,
    });
    expect(webhookSecret).toBeDefined();
    const uploaded = await upload(cameraKey, 'SN-HOOK');
    expect(uploaded.status).toBe(202);
    const inspectionId = uploaded.body.id as string;
    // Scored as the inference service's job would leave it (no inference service runs here).
    const modelVersionId = await seedModelVersion(api.running.infra.dataSource);
    await query(
      `UPDATE inspections SET status = 'scored', verdict = 'defect', score = 0.93, model_version_id = $2,
              scored_at = now() WHERE id = $1`,
      [inspectionId, modelVersionId],
    );
    answers.push(503);
    const jobId = await api.running.infra.queue.send('notify-webhook', { inspectionId });

    await waitFor(async () => deliveries.length >= 2, 60_000, 'the webhook delivered again after a 503');
    const job = await api.running.infra.queue.getJob('notify-webhook', jobId!);
    expect(job).toMatchObject({ state: 'completed', retryCount: 1 });
    expect(deliveries.map((d) => d.answered)).toEqual([503, 200]);
    // pg-boss's backoff: the first retry waits 15 to 30 s (retryDelay 15, doubled, with jitter).
    expect(deliveries[1].at - deliveries[0].at).toBeGreaterThanOrEqual(14_000);

    for (const delivery of deliveries) {
      expect(delivery.headers['content-type']).toBe('application/json');
      expect(delivery.headers['x-linescope-event']).toBe('inspection.completed');
      const signature = String(delivery.headers['x-linescope-signature']);
      const [, timestamp, mac] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature) ?? [];
      expect(timestamp).toBeDefined();
      expect(Math.abs(Number(timestamp) - delivery.at / 1000)).toBeLessThan(5);
      const expected = createHmac('sha256', webhookSecret!)
        .update(`${timestamp}.${delivery.body}`)
        .digest('hex');
      expect(mac).toBe(expected);
      // Signed with this line's secret only: another secret, or another body, does not verify.
      expect(
        createHmac('sha256', 'another-secret').update(`${timestamp}.${delivery.body}`).digest('hex'),
      ).not.toBe(mac);
      expect(JSON.parse(delivery.body)).toMatchObject({
        event: 'inspection.completed',
        inspection: { id: inspectionId, lineId, status: 'scored', verdict: 'defect' },
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(deliveries).toHaveLength(2);
  }, 90_000);
});
