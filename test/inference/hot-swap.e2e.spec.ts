import {
  binary,
  type InferenceHarness,
  type InferenceSetup,
  ping,
  predict,
  prepareInference,
  promote,
  publishModel,
  tileImages,
  tinyModel,
  waitFor,
} from './inference.fixtures';

interface Call {
  client: number;
  startedAt: number;
  endedAt: number;
  status: number;
  modelVersionId?: string;
  score?: number;
  verdict?: string;
}

/** Clients that each send images one after another until told to stop; every answer is kept. */
function loadGenerator(url: string, clients: number, images: Buffer[]) {
  const calls: Call[] = [];
  let running = true;
  const loops = Array.from({ length: clients }, async (_, client) => {
    for (let index = client; running; index++) {
      const startedAt = performance.now();
      try {
        const answer = await predict(url, images[index % images.length]);
        calls.push({
          client,
          startedAt,
          endedAt: performance.now(),
          status: answer.status,
          modelVersionId: answer.body.modelVersionId,
          score: answer.body.score,
          verdict: answer.body.verdict,
        });
      } catch {
        calls.push({ client, startedAt, endedAt: performance.now(), status: 0 });
      }
    }
  });
  return {
    calls,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Promotions while clients keep sending images to two workers: no request fails, each answer names the version
 * whose probabilities it carries, and once a client has seen the new version it never sees the old one again.
 */
describe('hot swap under load', () => {
  let setup: InferenceSetup;
  let service: InferenceHarness;
  let first: { id: string };
  let second: { id: string };
  const expectedScore = new Map<string, number>();
  const images = [...tileImages('ok', 4), ...tileImages('crack', 4)];

  beforeAll(async () => {
    setup = await prepareInference();
    first = await publishModel(
      setup.dataSource,
      setup.store,
      await tinyModel({ fixedProbabilities: binary(0.2) }),
      {
        stage: 'production',
      },
    );
    second = await publishModel(
      setup.dataSource,
      setup.store,
      await tinyModel({ fixedProbabilities: binary(0.8) }),
    );
    expectedScore.set(first.id, 0.2).set(second.id, 0.8);
    service = await setup.start({
      INFERENCE_WORKERS: '2',
      INFERENCE_MAX_WAIT_MS: '2',
      INFERENCE_MODEL_POLL_MS: '1000',
    });
  });
  afterAll(async () => {
    await service?.stop();
    await setup?.cleanup();
  });

  const checkCalls = (calls: Call[], before: string, after: string) => {
    expect(calls.length).toBeGreaterThan(20);
    expect(calls.filter((call) => call.status !== 200)).toEqual([]);
    for (const call of calls) {
      expect([before, after]).toContain(call.modelVersionId);
      // The answer's probabilities are the named version's: it really scored the image.
      expect(call.score).toBeCloseTo(expectedScore.get(call.modelVersionId!)!, 5);
      expect(call.verdict).toBe(call.modelVersionId === first.id ? 'ok' : 'defect');
    }
    expect(calls.some((call) => call.modelVersionId === before)).toBe(true);
    expect(calls.some((call) => call.modelVersionId === after)).toBe(true);
    // A request that started after a client saw the new version is scored by it.
    for (let client = 0; client < 6; client++) {
      const own = calls.filter((call) => call.client === client).sort((a, b) => a.startedAt - b.startedAt);
      const firstNew = own.findIndex((call) => call.modelVersionId === after);
      if (firstNew >= 0)
        expect(own.slice(firstNew).every((call) => call.modelVersionId === after)).toBe(true);
    }
  };

  it('swaps on NOTIFY without losing a request, then unloads the old version', async () => {
    expect((await ping(service.url)).models).toEqual([
      expect.objectContaining({ id: first.id, role: 'production' }),
    ]);
    const load = loadGenerator(service.url, 6, images);
    await sleep(600);
    const promotedAt = performance.now();
    await promote(setup.dataSource, second.id, { notify: true });
    await waitFor(
      async () => load.calls.some((call) => call.modelVersionId === second.id),
      10_000,
      'new version answers',
    );
    const swapMs = Math.min(
      ...load.calls
        .filter((call) => call.modelVersionId === second.id)
        .map((call) => call.endedAt - promotedAt),
    );
    await sleep(600);
    await load.stop();

    checkCalls(load.calls, first.id, second.id);
    // Loading and warming a version takes a moment; a notification makes the swap faster than the 1 s poll would.
    expect(swapMs).toBeLessThan(5_000);
    await waitFor(
      async () =>
        (await ping(service.url)).workers.every(
          (worker: { models: string[] }) => worker.models.join() === second.id,
        ),
      5_000,
      'old version unloaded from every worker',
    );
    expect((await ping(service.url)).models).toEqual([
      expect.objectContaining({ id: second.id, role: 'production' }),
    ]);
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toMatch(/linescope_inference_model_swaps_total\{role="production",app="inference"\} 1\n/);
    // Which model ids this instance serves: the promoted one only, once the old one is unloaded.
    expect(metrics).toContain(
      `linescope_inference_serving_model{model_id="${second.id}",role="production",app="inference"} 1\n`,
    );
    expect(metrics).not.toContain(`model_id="${first.id}"`);
    expect((await fetch(`${service.url}/health/ready`)).status).toBe(200);
  });

  it('rolls back by polling when no notification comes, still without losing a request', async () => {
    const load = loadGenerator(service.url, 6, images);
    await sleep(300);
    await promote(setup.dataSource, first.id, { notify: false });
    await waitFor(
      async () => load.calls.some((call) => call.modelVersionId === first.id),
      10_000,
      'rolled back',
    );
    await sleep(400);
    await load.stop();
    const afterPromotion = load.calls;
    checkCalls(afterPromotion, second.id, first.id);
  });
});
