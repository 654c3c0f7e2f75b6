import { randomUUID } from 'node:crypto';
import { DatabaseTransactions, MODELS_CHANNEL, ProductionLineRepository } from '@linescope/db';
import { Client } from 'pg';
import { type UserPrincipal } from '../../apps/api/src/auth/principals';
import { type UpdateLineDto } from '../../apps/api/src/dtos/line.dto';
import { LineService } from '../../apps/api/src/services/line.service';
import {
  binary,
  type InferenceHarness,
  type InferenceSetup,
  ping,
  predict,
  prepareInference,
  publishModel,
  tileImages,
  tinyModel,
  waitFor,
} from './inference.fixtures';

/**
 * Line settings are kept in memory by the inference service: a change made through the API's line service is
 * announced on the models channel and applies from the moment it is heard, though the poll here is ten minutes.
 */
describe('line settings held by the inference service', () => {
  let setup: InferenceSetup;
  let service: InferenceHarness;
  let lines: LineService;
  let listener: Client;
  const heard: string[] = [];
  let production: { id: string };
  const actor: UserPrincipal = { kind: 'user', userId: randomUUID(), role: 'admin' };
  const [jpeg] = tileImages('blowhole', 1);

  beforeAll(async () => {
    setup = await prepareInference();
    production = await publishModel(
      setup.dataSource,
      setup.store,
      await tinyModel({ fixedProbabilities: binary(0.7) }),
      { stage: 'production', operatingPoint: { threshold: 0.5, uncertainBand: { low: 0.4, high: 0.6 } } },
    );
    service = await setup.start({ INFERENCE_MODEL_POLL_MS: '600000' });
    lines = new LineService(
      new DatabaseTransactions(setup.dataSource),
      new ProductionLineRepository(setup.dataSource.manager),
    );
    listener = new Client({ connectionString: setup.db.url });
    await listener.connect();
    await listener.query(`LISTEN ${MODELS_CHANNEL}`);
    listener.on('notification', (message) => heard.push(message.payload ?? ''));
  });
  afterAll(async () => {
    await listener?.end();
    await service?.stop();
    await setup?.cleanup();
  });

  /** Changes a line as `PATCH /api/v1/lines/:id` does, and checks that the change was announced. */
  async function updateLine(id: string, change: Partial<UpdateLineDto>): Promise<void> {
    const before = heard.length;
    await lines.update(id, change as UpdateLineDto, actor);
    await waitFor(
      async () => heard.slice(before).some((payload) => payload.includes(id)),
      5_000,
      'line change announced',
    );
  }

  type Answer = [verdict: string, decision: unknown, modelVersionId: string];

  async function answerOf(lineId: string): Promise<Answer> {
    const answer = await predict(service.url, jpeg, { lineId });
    expect(answer.status).toBe(200);
    expect(answer.body.score).toBeCloseTo(0.7, 5);
    return [answer.body.verdict, answer.body.decision, answer.body.modelVersionId];
  }

  /**
   * The answer right after a change: NOTIFY reaches the service a moment after the API has answered, so that
   * moment is allowed; a poll (ten minutes here) is not.
   */
  async function expectSoon(lineId: string, expected: Answer): Promise<void> {
    let last: Answer | undefined;
    const started = Date.now();
    await waitFor(
      async () => {
        last = await answerOf(lineId);
        expect(last).toEqual(expected);
        return true;
      },
      2_000,
      'the change applied',
    ).catch(() => undefined);
    expect(last).toEqual(expected);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await answerOf(lineId)).toEqual(expected);
  }

  it("applies a line's new threshold and band as soon as the API's change is announced, with no poll", async () => {
    const line = await lines.create(
      { name: `line-${randomUUID()}`, operatingThreshold: 0.75, uncertainLow: 0.65, uncertainHigh: 0.8 },
      actor,
    );
    const uncertain = [
      'uncertain',
      { threshold: 0.75, uncertainLow: 0.65, uncertainHigh: 0.8 },
      production.id,
    ];
    expect(await answerOf(line.id)).toEqual(uncertain);
    expect(await answerOf(line.id)).toEqual(uncertain);

    await updateLine(line.id, { operatingThreshold: 0.6, uncertainLow: 0.55, uncertainHigh: 0.65 });
    await expectSoon(line.id, [
      'defect',
      { threshold: 0.6, uncertainLow: 0.55, uncertainHigh: 0.65 },
      production.id,
    ]);

    await updateLine(line.id, { operatingThreshold: 0.8, uncertainLow: 0.75, uncertainHigh: 0.85 });
    await expectSoon(line.id, [
      'ok',
      { threshold: 0.8, uncertainLow: 0.75, uncertainHigh: 0.85 },
      production.id,
    ]);

    // Back to the model's own decision rule.
    await updateLine(line.id, { operatingThreshold: null, uncertainLow: null, uncertainHigh: null });
    await expectSoon(line.id, [
      'defect',
      { threshold: 0.5, uncertainLow: 0.4, uncertainHigh: 0.6 },
      production.id,
    ]);
  });

  it("scores a line with the model version the API just set on it, and with production again once it's removed", async () => {
    const override = await publishModel(
      setup.dataSource,
      setup.store,
      await tinyModel({ fixedProbabilities: binary(0.7) }),
      { operatingPoint: { threshold: 0.9, uncertainBand: { low: 0.9, high: 0.9 } } },
    );
    const line = await lines.create({ name: `line-${randomUUID()}` }, actor);
    expect((await answerOf(line.id))[2]).toBe(production.id);

    await updateLine(line.id, { modelVersionId: override.id });
    await expectSoon(line.id, ['ok', { threshold: 0.9, uncertainLow: 0.9, uncertainHigh: 0.9 }, override.id]);

    await updateLine(line.id, { modelVersionId: null });
    await expectSoon(line.id, [
      'defect',
      { threshold: 0.5, uncertainLow: 0.4, uncertainHigh: 0.6 },
      production.id,
    ]);
  });

  it('answers an unknown line 404 every time', async () => {
    const unknownId = randomUUID();
    for (let i = 0; i < 3; i++) {
      expect((await predict(service.url, jpeg, { lineId: unknownId })).body).toMatchObject({
        statusCode: 404,
        error: 'unknown_line',
      });
    }
  });

  it('sees a change nobody announced on the next request while its listener is cut', async () => {
    const line = await lines.create({ name: `line-${randomUUID()}`, operatingThreshold: 0.65 }, actor);
    expect((await answerOf(line.id))[0]).toBe('defect');

    await setup.dataSource.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'linescope-inference-listen'`,
    );
    await waitFor(async () => (await ping(service.url)).listening === false, 5_000, 'listener lost');
    await setup.dataSource.query(`UPDATE production_lines SET operating_threshold = 0.75 WHERE id = $1`, [
      line.id,
    ]);
    expect((await answerOf(line.id))[0]).toBe('uncertain');

    await waitFor(async () => (await ping(service.url)).listening === true, 10_000, 'listener back');
    expect((await answerOf(line.id))[0]).toBe('uncertain');
    await updateLine(line.id, { operatingThreshold: 0.6 });
    await expectSoon(line.id, [
      'defect',
      { threshold: 0.6, uncertainLow: 0.4, uncertainHigh: 0.6 },
      production.id,
    ]);
  });
});
