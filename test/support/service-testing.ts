import { HttpException, type Provider, type Type } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { type AppConfig, loadConfig } from '@linescope/config';
import { DB_REPOSITORIES, DatabaseTransactions } from '@linescope/db';
import { APP_CONFIG, LOGGER, OBJECT_STORE } from '@linescope/platform';
import { JobQueue } from '@linescope/queue';
import { type ObjectStore, S3ObjectStore } from '@linescope/storage';
import pino from 'pino';
import { DataSource, EntityManager } from 'typeorm';
import { createMigratedDatabase, type TestDatabase } from './database';
import { startS3Server, type TestS3Server } from './s3-server';

/** A service under test, built by Nest's container on real repositories over a migrated database of its own. */
export interface ServiceTestBed {
  db: TestDatabase;
  dataSource: DataSource;
  config: AppConfig;
  /** The real job queue on the test database, when asked for. */
  queue: JobQueue | null;
  /** The object store on a real S3 server of its own (OBJECT_STORE), when asked for. */
  store: ObjectStore | null;
  get<T>(type: Type<T>): T;
  close(): Promise<void>;
}

export async function createServiceTestBed(
  providers: Provider[],
  options: { env?: Record<string, string>; queue?: boolean; s3?: boolean } = {},
): Promise<ServiceTestBed> {
  const { db, dataSource } = await createMigratedDatabase();
  const config = loadConfig({ DATABASE_URL: db.url, STORAGE_ROOT: '/nonexistent', ...options.env });
  let queue: JobQueue | null = null;
  let s3: TestS3Server | null = null;
  let store: ObjectStore | null = null;
  let module: TestingModule;
  try {
    if (options.queue) {
      queue = new JobQueue({ databaseUrl: db.url });
      await queue.start();
    }
    if (options.s3) {
      s3 = await startS3Server();
      store = new S3ObjectStore({
        endpoint: s3.address,
        bucket: 'linescope-test',
        accessKey: s3.accessKey,
        secretKey: s3.secretKey,
      });
      await store.init();
    }
    module = await Test.createTestingModule({
      providers: [
        { provide: DataSource, useValue: dataSource },
        { provide: EntityManager, useValue: dataSource.manager },
        { provide: APP_CONFIG, useValue: config },
        { provide: LOGGER, useValue: pino({ level: 'silent' }) },
        DatabaseTransactions,
        ...DB_REPOSITORIES,
        ...(queue ? [{ provide: JobQueue, useValue: queue }] : []),
        ...(store ? [{ provide: OBJECT_STORE, useValue: store }] : []),
        ...providers,
      ],
    }).compile();
  } catch (error) {
    await queue?.stop(1_000);
    await s3?.stop();
    await db.drop();
    throw error;
  }
  return {
    db,
    dataSource,
    config,
    queue,
    store,
    get: (type) => module.get(type),
    close: async () => {
      await module.close();
      await queue?.stop(1_000);
      await s3?.stop();
      await db.drop();
    },
  };
}

/** The `{ status, error }` of an API error a call rejects with (fails the test if it resolves). */
export async function apiErrorOf(call: Promise<unknown>): Promise<{ status: number; error: string }> {
  try {
    await call;
  } catch (error) {
    if (!(error instanceof HttpException)) throw error;
    return { status: error.getStatus(), error: (error.getResponse() as { error: string }).error };
  }
  throw new Error('expected the call to be refused, but it succeeded');
}

/** Waits until `condition` holds (for work a service starts without awaiting it), at most `timeoutMs`. */
export async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  for (let waited = 0; !condition() && waited < timeoutMs; waited += 20)
    await new Promise((resolve) => setTimeout(resolve, 20));
}
