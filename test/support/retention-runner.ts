import { loadConfig } from '@linescope/config';
import { createDataSource, DatabaseTransactions } from '@linescope/db';
import { S3ObjectStore, type ObjectStore } from '@linescope/storage';
import pino from 'pino';
import { RetentionRepository } from '../../apps/api/src/repositories/retention.repository';
import { RetentionService } from '../../apps/api/src/services/retention.service';

/**
 * One retention run, exactly as the apply-retention job's handler makes it, in a process of its own so that a
 * test can kill it by pid mid-batch. The real S3 store; each delete is followed by DELETE_PAUSE_MS so that a
 * batch lasts long enough to be cut. Prints "deleted <key>" after each delete and the report as JSON at the end.
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  if (config.storage.driver !== 's3') throw new Error('the runner stores on S3 only');
  const s3 = new S3ObjectStore({
    endpoint: { endPoint: '127.0.0.1', port: Number(new URL(config.storage.endpoint).port), useSSL: false },
    bucket: config.storage.bucket,
    accessKey: config.storage.accessKey,
    secretKey: config.storage.secretKey,
  });
  const pause = Number(process.env.DELETE_PAUSE_MS ?? 0);
  const store: ObjectStore = Object.assign(Object.create(s3) as ObjectStore, {
    delete: async (key: string) => {
      await s3.delete(key);
      process.stdout.write(`deleted ${key}\n`);
      await new Promise((resolve) => setTimeout(resolve, pause));
    },
  });
  const dataSource = createDataSource({ url: config.database.url!, poolSize: 2 });
  await dataSource.initialize();
  const service = new RetentionService(
    new DatabaseTransactions(dataSource),
    new RetentionRepository(dataSource.manager),
    store,
    config,
    pino({ level: 'silent' }),
  );
  const report = await service.run({ batchSize: Number(process.env.RETENTION_BATCH ?? 100) });
  process.stdout.write(`report ${JSON.stringify(report)}\n`);
  await dataSource.destroy();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
