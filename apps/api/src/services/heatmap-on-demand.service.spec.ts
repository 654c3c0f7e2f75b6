import { loadConfig } from '@linescope/config';
import { type InspectionEntity } from '@linescope/db';
import { randomUUID } from 'node:crypto';
import { InferenceClient } from '../inference/inference.client';
import { type HttpStub, startHttpStub } from '../../../../test/support/http-stub';
import { apiErrorOf } from '../../../../test/support/service-testing';
import { HeatmapOnDemandService } from './heatmap-on-demand.service';

describe('HeatmapOnDemandService (a real HTTP inference instance)', () => {
  let inference: HttpStub;
  let service: HeatmapOnDemandService;

  beforeAll(async () => {
    inference = await startHttpStub();
    const config = loadConfig({
      DATABASE_URL: 'postgresql://unused@127.0.0.1/unused',
      INFERENCE_URLS: inference.url,
      INFERENCE_TIMEOUT_MS: '2000',
    });
    service = new HeatmapOnDemandService(new InferenceClient(config), config);
  });
  afterAll(() => inference.close());
  beforeEach(() => {
    inference.requests.length = 0;
  });

  const row = (fields: Partial<InspectionEntity>) =>
    ({
      id: randomUUID(),
      status: 'scored',
      verdict: 'defect',
      heatmapKey: null,
      ...fields,
    }) as InspectionEntity;

  it('answers an existing heatmap without asking the inference service', async () => {
    expect(await service.ensure(row({ heatmapKey: 'heatmaps/kept.png' }))).toBe('heatmaps/kept.png');
    expect(inference.requests).toEqual([]);
  });

  it('refuses, without asking, inspections that get no heatmap: ok, pending or failed', async () => {
    for (const fields of [
      { verdict: 'ok' },
      { status: 'pending', verdict: null },
      { status: 'failed' },
    ] as const)
      expect(await apiErrorOf(service.ensure(row(fields)))).toEqual({
        status: 404,
        error: 'heatmap_not_found',
      });
    expect(inference.requests).toEqual([]);
  });

  it('has a defect or uncertain inspection without one rendered now, and answers its key', async () => {
    inference.respond = (request) => ({
      status: 200,
      json: { heatmapKey: `heatmaps/${request.url.split('/').pop()}.png` },
    });
    const uncertain = row({ verdict: 'uncertain' });
    expect(await service.ensure(uncertain)).toBe(`heatmaps/${uncertain.id}.png`);
    expect(inference.requests.map((request) => `${request.method} ${request.url}`)).toEqual([
      `POST /heatmaps/${uncertain.id}`,
    ]);
  });

  it("passes on the inference service's refusal as 404, and its failure as 503 inference_unavailable", async () => {
    inference.respond = () => ({ status: 404, json: { error: 'not_found', message: 'no such inspection' } });
    expect(await apiErrorOf(service.ensure(row({})))).toEqual({ status: 404, error: 'heatmap_not_found' });
    inference.respond = () => ({ status: 500, json: { error: 'internal' } });
    expect(await apiErrorOf(service.ensure(row({})))).toEqual({
      status: 503,
      error: 'inference_unavailable',
    });
  });
});
