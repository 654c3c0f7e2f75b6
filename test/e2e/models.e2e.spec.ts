import { Client } from 'pg';
import { type ApiHarness, startApiHarness } from '../support/api-harness';

describe('model lifecycle API', () => {
  let api: ApiHarness;
  let db: Client;
  let listener: Client;
  const notifications: Record<string, unknown>[] = [];
  const ids: string[] = [];
  let engineerToken: string;
  let qaToken: string;

  beforeAll(async () => {
    api = await startApiHarness();
    db = new Client({ connectionString: api.db.url });
    await db.connect();
    listener = new Client({ connectionString: api.db.url });
    await listener.connect();
    await listener.query('LISTEN linescope_models');
    listener.on('notification', (message) => notifications.push(JSON.parse(message.payload ?? '{}')));
    for (const version of [1, 2, 3]) {
      const { rows } = await db.query(
        `INSERT INTO model_versions (name, version, architecture, spec, input_height, input_width, class_names, preprocessing, artifact_key)
         VALUES ('tiles', $1, 'mobilenetv2', '{}', 96, 96, '["ok","defect"]', '{}', $2) RETURNING id`,
        [version, `models/v${version}/`],
      );
      ids.push(rows[0].id);
    }
    const engineer = await api.call('POST', '/api/v1/users', {
      token: api.adminToken,
      json: { email: 'ml@example.com', displayName: 'ML', role: 'ml_engineer' },
    });
    engineerToken = engineer.body.token;
    const qa = await api.call('POST', '/api/v1/users', {
      token: api.adminToken,
      json: { email: 'qa2@example.com', displayName: 'QA', role: 'qa' },
    });
    qaToken = qa.body.token;
  });
  afterAll(async () => {
    await listener.end();
    await db.end();
    await api.stop();
  });

  const production = async () =>
    (await db.query(`SELECT id FROM model_versions WHERE stage = 'production'`)).rows.map(
      (r) => r.id as string,
    );

  it('promotes, archives the previous version, audits and notifies inference instances', async () => {
    const denied = await api.call('POST', `/api/v1/models/${ids[0]}/promote`, {
      token: qaToken,
      json: { reason: 'e2e check' },
    });
    expect(denied.status).toBe(403);

    const first = await api.call('POST', `/api/v1/models/${ids[0]}/promote`, {
      token: engineerToken,
      json: { reason: 'e2e check' },
    });
    expect(first).toMatchObject({ status: 200, body: { id: ids[0], stage: 'production' } });
    const second = await api.call('POST', `/api/v1/models/${ids[1]}/promote`, {
      token: engineerToken,
      json: { reason: 'e2e check' },
    });
    expect(second.body.stage).toBe('production');
    expect(await production()).toEqual([ids[1]]);
    expect((await api.call('GET', `/api/v1/models/${ids[0]}`, { token: qaToken })).body.stage).toBe(
      'archived',
    );

    const again = await api.call('POST', `/api/v1/models/${ids[1]}/promote`, {
      token: engineerToken,
      json: { reason: 'e2e check' },
    });
    expect(again).toMatchObject({ status: 409, body: { error: 'already_in_production' } });

    await new Promise((r) => setTimeout(r, 200));
    expect(notifications).toEqual([
      { event: 'promote', id: ids[0], previous: null },
      { event: 'promote', id: ids[1], previous: ids[0] },
    ]);
    const audit = await db.query(
      `SELECT action FROM audit_events WHERE target_type = 'model_version' ORDER BY id`,
    );
    expect(audit.rows.map((r) => r.action)).toEqual(['model.promote', 'model.promote']);
  });

  it('rolls back along the promotion history, and says when there is nothing to roll back to', async () => {
    await api.call('POST', `/api/v1/models/${ids[2]}/promote`, {
      token: engineerToken,
      json: { reason: 'e2e check' },
    });
    expect(await production()).toEqual([ids[2]]);
    const back1 = await api.call('POST', '/api/v1/models/rollback', {
      token: engineerToken,
      json: { reason: 'e2e check' },
    });
    expect(back1).toMatchObject({ status: 200, body: { id: ids[1], stage: 'production' } });
    const back2 = await api.call('POST', '/api/v1/models/rollback', {
      token: engineerToken,
      json: { reason: 'e2e check' },
    });
    expect(back2.body.id).toBe(ids[0]);
    const back3 = await api.call('POST', '/api/v1/models/rollback', {
      token: engineerToken,
      json: { reason: 'e2e check' },
    });
    expect(back3).toMatchObject({ status: 409, body: { error: 'nothing_to_roll_back' } });
    expect(await production()).toEqual([ids[0]]);
  });

  it('starts shadow evaluation and reports agreement and disagreements', async () => {
    const start = await api.call('POST', `/api/v1/models/${ids[2]}/shadow`, {
      token: engineerToken,
      json: { enabled: true },
    });
    expect(start.body).toMatchObject({ id: ids[2], shadow: true, stage: 'archived' });
    const self = await api.call('POST', `/api/v1/models/${ids[0]}/shadow`, {
      token: engineerToken,
      json: { enabled: true },
    });
    expect(self.status).toBe(409);

    const line = (await db.query(`INSERT INTO production_lines (name) VALUES ('l') RETURNING id`)).rows[0].id;
    const cam = (await db.query(`INSERT INTO cameras (line_id, name) VALUES ($1, 'c') RETURNING id`, [line]))
      .rows[0].id;
    const pairs: [string, string][] = [
      ['ok', 'ok'],
      ['ok', 'ok'],
      ['defect', 'defect'],
      ['ok', 'defect'],
    ];
    for (const [i, [prod, shadow]] of pairs.entries()) {
      const inspection = (
        await db.query(
          `INSERT INTO inspections (line_id, camera_id, image_key, image_sha256, image_bytes, width, height, format)
           VALUES ($1, $2, $3, $4, 1, 1, 1, 'png') RETURNING id`,
          [line, cam, `images/x/${i}.png`, 'a'.repeat(64)],
        )
      ).rows[0].id;
      await db.query(
        `INSERT INTO shadow_results (inspection_id, model_version_id, verdict, score, production_model_version_id, production_verdict, production_score)
         VALUES ($1, $2, $3, 0.5, $4, $5, 0.5)`,
        [inspection, ids[2], shadow, ids[0], prod],
      );
    }
    const report = await api.call('GET', `/api/v1/models/${ids[2]}/shadow-report`, { token: qaToken });
    expect(report.body).toMatchObject({ total: 4, agreements: 3, agreementRate: 0.75, shadow: true });
    expect(report.body.counts.ok).toEqual({ ok: 2, defect: 1, uncertain: 0 });
    expect(report.body.recentDisagreements).toHaveLength(1);
    expect(report.body.recentDisagreements[0]).toMatchObject({ productionVerdict: 'ok', verdict: 'defect' });

    const promoted = await api.call('POST', `/api/v1/models/${ids[2]}/promote`, {
      token: engineerToken,
      json: { reason: 'e2e check' },
    });
    expect(promoted.body).toMatchObject({ stage: 'production', shadow: false });
  });

  it('refuses to promote a quantised variant that lost more accuracy than allowed', async () => {
    const insert = async (version: number, metrics: object) =>
      (
        await db.query(
          `INSERT INTO model_versions (name, version, architecture, spec, input_height, input_width, class_names, preprocessing, artifact_key, metrics)
           VALUES ('tiles-int8', $1, 'mobilenetv2', '{}', 96, 96, '["ok","defect"]', '{}', $2, $3) RETURNING id`,
          [version, `models/q${version}/`, JSON.stringify(metrics)],
        )
      ).rows[0].id as string;
    const lossy = await insert(1, { quantization: { variant: 'int8', accuracyChangePoints: -1.2 } });
    const unmeasured = await insert(2, { quantization: { variant: 'int8' } });
    const fine = await insert(3, { quantization: { variant: 'int8', accuracyChangePoints: -0.3 } });
    const refused = await api.call('POST', `/api/v1/models/${lossy}/promote`, {
      token: engineerToken,
      json: { reason: 'e2e check' },
    });
    expect(refused).toMatchObject({
      status: 409,
      body: {
        error: 'quantization_accuracy_drop',
        details: { accuracyChangePoints: -1.2, allowedDropPoints: 0.5 },
      },
    });
    expect(
      (
        await api.call('POST', `/api/v1/models/${unmeasured}/promote`, {
          token: engineerToken,
          json: { reason: 'e2e check' },
        })
      ).body.error,
    ).toBe('quantization_unmeasured');
    const promoted = await api.call('POST', `/api/v1/models/${fine}/promote`, {
      token: engineerToken,
      json: { reason: 'e2e check' },
    });
    expect(promoted.body).toMatchObject({ id: fine, stage: 'production' });
  });

  it('lists versions by stage', async () => {
    const archived = await api.call('GET', '/api/v1/models?stage=archived', { token: qaToken });
    expect(archived.body.map((m: { id: string }) => m.id)).toEqual(
      expect.arrayContaining([ids[0], ids[1], ids[2]]),
    );
    expect(archived.body.every((m: { stage: string }) => m.stage === 'archived')).toBe(true);
    expect((await api.call('GET', '/api/v1/models?stage=bogus', { token: qaToken })).status).toBe(400);
  });
});
