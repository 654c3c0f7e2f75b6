import { S3ObjectStore, StorageFullError } from '@linescope/storage';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, open, readdir, rm, rmdir } from 'node:fs/promises';
import http, { type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import path from 'node:path';
import { type ApiHarness, startApiHarness } from '../support/api-harness';
import { createLineWithCamera } from '../support/console-seed';
import { datasetImages } from '../support/datasets';

/** A real full filesystem needs a tmpfs mount, which needs root. REQUIRE_FULL_DISK_TEST=1 makes its absence fail. */
const CAN_MOUNT = process.getuid?.() === 0;
const fullDiskTest = CAN_MOUNT || process.env.REQUIRE_FULL_DISK_TEST === '1' ? it : it.skip;
const FULL_DISK_NAME = CAN_MOUNT
  ? 'a full data disk (a real 4 MiB tmpfs): 503 storage_full with Retry-After, nothing half-written, recovery by itself'
  : 'SKIPPED, needs root to mount a tmpfs (REQUIRE_FULL_DISK_TEST=1 makes this fail instead): a full data disk';

describe('a full disk or bucket', () => {
  fullDiskTest(
    FULL_DISK_NAME,
    async () => {
      if (!CAN_MOUNT)
        throw new Error('REQUIRE_FULL_DISK_TEST=1, but only root can mount the tmpfs this test fills');
      const mountPoint = await mkdtemp('/tmp/linescope-full-');
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint]);
      let api: ApiHarness | undefined;
      try {
        const dataDir = path.join(mountPoint, 'data');
        await mkdir(dataDir);
        api = await startApiHarness({ DATA_DIR: dataDir, STORAGE_DRIVER: 'fs', DISK_WARN_RATIO: '0.8' });
        const harness = api;
        const camera = await createLineWithCamera(api, 'full-disk');
        const [tile] = datasetImages('magnetic-tile', 'ok', 1);
        const upload = (key: string) =>
          harness.call('POST', '/api/v1/inspections', {
            body: tile.bytes,
            headers: { 'content-type': 'image/jpeg', 'x-api-key': camera.cameraKey, 'idempotency-key': key },
          });
        const rows = async () =>
          (await harness.running.infra.dataSource.query(`SELECT count(*)::int AS n FROM inspections`))[0].n;
        const filesUnder = async (dir: string): Promise<string[]> =>
          (await readdir(dir, { recursive: true, withFileTypes: true }))
            .filter((entry) => entry.isFile())
            .map((entry) => path.join(entry.parentPath, entry.name));

        expect((await upload('before')).status).toBe(202);
        expect(await rows()).toBe(1);
        const storedBefore = await filesUnder(path.join(dataDir, 'storage'));

        // Fill the disk to the last block.
        const filler = path.join(mountPoint, 'filler');
        const handle = await open(filler, 'w');
        try {
          const chunk = Buffer.alloc(16 * 1024, 1);
          for (;;) await handle.write(chunk);
        } catch (error) {
          expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
        } finally {
          await handle.close();
        }

        const refused = await upload('while-full');
        expect(refused.status).toBe(503);
        expect(refused.body.error).toBe('storage_full');
        expect(refused.headers.get('retry-after')).toBe('60');
        // Nothing half-written: no row, no object, no temporary file.
        expect(await rows()).toBe(1);
        expect(await filesUnder(path.join(dataDir, 'storage'))).toEqual(storedBefore);

        const health = await harness.call('GET', '/health/ready');
        expect(health.body.disk.usedRatio).toBeGreaterThan(0.8);
        expect(health.body.disk.warning).toMatch(/full/);

        // Space returns: the same upload (same key) goes through, without a restart.
        await rm(filler);
        const retried = await upload('while-full');
        expect(retried.status).toBe(202);
        expect(await rows()).toBe(2);
        expect((await harness.call('GET', '/health/ready')).body.disk.warning).toBeUndefined();
      } finally {
        await api?.stop();
        execFileSync('umount', [mountPoint]);
        await rmdir(mountPoint);
      }
    },
    120_000,
  );

  describe('a bucket that answers "storage full" (MinIO: XMinioStorageFull, 507)', () => {
    let server: Server;
    let store: S3ObjectStore;

    beforeAll(async () => {
      // The answer MinIO gives when its drives pass their free-space threshold, over real HTTP to the real client.
      server = http.createServer((request, response) => {
        request.resume();
        request.on('end', () => {
          response.writeHead(507, { 'content-type': 'application/xml' });
          response.end(
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>XMinioStorageFull</Code><Message>Storage backend ' +
              'has reached its minimum free drive threshold. Please delete a few objects to proceed.</Message>' +
              `<Key>${request.url}</Key><BucketName>linescope</BucketName><RequestId>1</RequestId></Error>`,
          );
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      store = new S3ObjectStore({
        endpoint: { endPoint: '127.0.0.1', port: (server.address() as AddressInfo).port, useSSL: false },
        bucket: 'linescope',
        accessKey: 'key',
        secretKey: 'secret-key',
      });
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('is a StorageFullError (which the upload answers 503 storage_full)', async () => {
      const key = `images/${randomUUID()}.png`;
      await expect(store.put(key, Buffer.from('x'))).rejects.toBeInstanceOf(StorageFullError);
    });
  });
});
