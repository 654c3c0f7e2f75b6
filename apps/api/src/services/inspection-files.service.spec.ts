import { type InspectionEntity } from '@linescope/db';
import { FILE_CSP } from '@linescope/platform';
import express from 'express';
import { serveApp } from '../../../../test/support/http-stub';
import { HttpException } from '@nestjs/common';
import { datasetImages } from '../../../../test/support/datasets';
import { createServiceTestBed, type ServiceTestBed } from '../../../../test/support/service-testing';
import { InspectionFilesService } from './inspection-files.service';
import { SignedUrlService } from './signed-url.service';

const IMAGE = datasetImages('magnetic-tile', 'crack', 1)[0].bytes;

describe('InspectionFilesService (real S3 server, a real HTTP response)', () => {
  let bed: ServiceTestBed;
  let service: InspectionFilesService;
  let server: { url: string; close(): Promise<void> };
  let base: string;

  beforeAll(async () => {
    bed = await createServiceTestBed([SignedUrlService, InspectionFilesService], {
      s3: true,
      env: { URL_SIGNING_SECRET: 'a-signing-secret-of-32-characters' },
    });
    service = bed.get(InspectionFilesService);
    // The files controller's shape: the key from the path, errors answered as the API does.
    const app = express();
    app.use('/files/', (request, response) => {
      service.stream(request.path.slice(1), response).catch((error: unknown) => {
        const status = error instanceof HttpException ? error.getStatus() : 500;
        response.status(status).json(error instanceof HttpException ? error.getResponse() : {});
      });
    });
    server = await serveApp(app);
    base = server.url;
  });
  afterAll(async () => {
    await server.close();
    await bed.close();
  });

  it('streams the stored bytes with their type, length, private caching and a sandboxing CSP', async () => {
    await bed.store!.put('images/files/one.jpeg', IMAGE, { contentType: 'image/jpeg' });
    const response = await fetch(`${base}/files/images/files/one.jpeg`);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(IMAGE)).toBe(true);
    expect(Object.fromEntries(response.headers)).toMatchObject({
      'content-type': 'image/jpeg',
      'content-length': String(IMAGE.length),
      'cache-control': 'private, max-age=300',
      'x-content-type-options': 'nosniff',
      'content-security-policy': FILE_CSP,
    });
  });

  it('takes the type from the key when the store kept none, and never sniffs it from the bytes', async () => {
    await bed.store!.put('heatmaps/files/two.png', IMAGE);
    expect((await fetch(`${base}/files/heatmaps/files/two.png`)).headers.get('content-type')).toBe(
      'image/png',
    );
  });

  it('answers 404 object_not_found for a key that is gone', async () => {
    const response = await fetch(`${base}/files/images/files/gone.jpeg`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: 'object_not_found' });
  });

  it('links the image always and the heatmap only when there is one, both verifiable', () => {
    const signer = bed.get(SignedUrlService);
    const verify = (url: string) => {
      const parsed = new URL(url, base);
      const token = parsed.pathname.split('/').pop()!;
      return signer.verify(token, parsed.searchParams.get('expires')!, parsed.searchParams.get('sig')!);
    };
    const row = { imageKey: 'images/a.jpeg', heatmapKey: null } as InspectionEntity;
    const plain = service.links(row);
    expect(plain.heatmap).toBeNull();
    expect(verify(plain.image)).toBe('images/a.jpeg');
    const withHeatmap = service.links({ ...row, heatmapKey: 'heatmaps/a.png' });
    expect(verify(withHeatmap.heatmap!)).toBe('heatmaps/a.png');
  });
});
