import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';

export interface TestS3Server {
  /** The URL, as S3_ENDPOINT takes it. */
  endpoint: string;
  /** The same, as S3ObjectStore takes it. */
  address: { endPoint: string; port: number; useSSL: boolean };
  accessKey: string;
  secretKey: string;
  stop(): Promise<void>;
}

/**
 * A real S3-protocol server (s3rver) on a free loopback port with its own temporary directory.
 * s3rver accepts the fixed S3RVER credentials; multipart listing is unsupported (501), so tests keep
 * objects below the minio client's multipart threshold (64 MiB).
 */
export async function startS3Server(): Promise<TestS3Server> {
  const directory = await mkdtemp(path.join(tmpdir(), 'linescope-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const address = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    address: { endPoint: '127.0.0.1', port: address.port, useSSL: false },
    accessKey: 'S3RVER',
    secretKey: 'S3RVER',
    stop: async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
