import path from 'node:path';
import { FsObjectStore } from '@linescope/storage';
import { type DataSource } from 'typeorm';
import { binary, promote, publishModel, tileImages, tinyModel } from '../inference/inference.fixtures';
import { useApiWithInference } from '../support/api-with-inference';
import { waitFor } from '../support/processes';

/**
 * A fresh installation, as a newcomer meets it: cameras upload before any model exists. The images are kept,
 * answered 202 `pending` with the reason, and scored once a model is promoted; nothing turns `failed`.
 */
describe('uploads before any model exists', () => {
  const product = useApiWithInference('linescope-awaiting-');
  let api: string;
  let dataDir: string;
  let dataSource: DataSource;
  beforeAll(() => void ({ api, dataDir, dataSource } = product));
  const admin = product.admin;
  const cameraOn = async (verdictMode: 'sync' | 'async') => {
    const line = await admin('/api/v1/lines', {
      name: `line-${verdictMode}`,
      verdictMode,
      verdictDeadlineMs: 3000,
    });
    return (await admin(`/api/v1/lines/${line.id}/cameras`, { name: 'cam' })).apiKey as string;
  };
  const upload = async (key: string, image: Buffer, serial: string) => {
    const response = await fetch(`${api}/api/v1/inspections?serial=${serial}`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'image/jpeg' },
      body: image,
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const read = async (key: string, id: string) =>
    (await (
      await fetch(`${api}/api/v1/inspections/${id}`, { headers: { 'x-api-key': key } })
    ).json()) as Record<string, any>;

  it('answers 202 pending with the reason, keeps waiting, and scores the images once a model is promoted', async () => {
    const [syncImage, asyncImage] = tileImages('crack', 2);
    const syncKey = await cameraOn('sync');
    const asyncKey = await cameraOn('async');

    const synchronous = await upload(syncKey, syncImage, 'SN-SYNC');
    expect(synchronous.status).toBe(202);
    expect(synchronous.body).toMatchObject({
      status: 'pending',
      verdict: null,
      failureReason: 'no model is serving yet',
    });

    const asynchronous = await upload(asyncKey, asyncImage, 'SN-ASYNC');
    expect(asynchronous.status).toBe(202);
    // Its scoring job runs, finds no model, and leaves it pending with the reason (it used to turn `failed`).
    await waitFor(
      async () => (await read(asyncKey, asynchronous.body.id)).failureReason === 'no model is serving yet',
      20_000,
      'the async upload waits for a model',
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    for (const [key, id] of [
      [syncKey, synchronous.body.id],
      [asyncKey, asynchronous.body.id],
    ])
      expect(await read(key, id)).toMatchObject({
        status: 'pending',
        failureReason: 'no model is serving yet',
      });

    const store = new FsObjectStore(path.join(dataDir, 'storage'));
    await store.init();
    const model = await publishModel(dataSource, store, await tinyModel({ fixedProbabilities: binary(0.8) }));
    await promote(dataSource, model.id, { notify: true });

    for (const [key, id] of [
      [syncKey, synchronous.body.id],
      [asyncKey, asynchronous.body.id],
    ]) {
      await waitFor(async () => (await read(key, id)).status === 'scored', 60_000, `inspection ${id} scored`);
      expect(await read(key, id)).toMatchObject({
        status: 'scored',
        verdict: 'defect',
        modelVersionId: model.id,
        failureReason: null,
      });
    }

    // With a model serving, an upload is answered with its verdict as usual.
    const after = await upload(syncKey, syncImage, 'SN-AFTER');
    expect(after.status).toBe(201);
    expect(after.body).toMatchObject({ status: 'scored', verdict: 'defect', failureReason: null });
  }, 150_000);
});
