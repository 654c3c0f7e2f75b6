import { Controller, type DynamicModule, Get, Module } from '@nestjs/common';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { JobQueue } from '@linescope/queue';
import { type AppDefinition, InfrastructureModule, startApp } from '@linescope/platform';
import { createEmptyDatabase, type TestDatabase } from '../support/database';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

@Controller('slow')
class SlowController {
  @Get()
  async slow(): Promise<{ finished: boolean }> {
    await sleep(1500);
    return { finished: true };
  }
}

@Module({})
class SlowModule {}

let jobFinished = false;
let jobStarted = false;

const slowApp: AppDefinition = {
  role: 'api',
  title: 'slow',
  description: 'an app whose work takes time',
  port: () => 0,
  rootModule: (infra): DynamicModule => ({
    module: SlowModule,
    imports: [InfrastructureModule.forRoot(infra)],
    controllers: [SlowController],
  }),
  startWorkers: async (_app, infra) => {
    await infra.queue.work('api', {
      'sweep-orphans': async () => {
        jobStarted = true;
        await sleep(2000);
        jobFinished = true;
        return { status: 'done' };
      },
      'notify-webhook': async () => ({ status: 'skipped', reason: 'not part of this test' }),
      'apply-retention': async () => ({ status: 'skipped', reason: 'not part of this test' }),
      'maintain-partitions': async () => ({ status: 'skipped', reason: 'not part of this test' }),
    });
  },
};

describe('graceful shutdown', () => {
  let db: TestDatabase;
  let dataDir: string;
  beforeAll(async () => {
    db = await createEmptyDatabase();
    dataDir = await mkdtemp(path.join(tmpdir(), 'linescope-shutdown-'));
  });
  afterAll(async () => {
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('finishes the in-flight request and job, refuses new connections, then closes', async () => {
    const running = await startApp(slowApp, { DATABASE_URL: db.url, DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    const jobId = await running.infra.queue.send('sweep-orphans', {});
    while (!jobStarted) await sleep(50);
    const inFlight = fetch(`${running.url}/slow`).then(async (r) => ({
      status: r.status,
      body: await r.json(),
    }));
    await sleep(200);

    await running.shutdown('SIGTERM');

    expect(await inFlight).toEqual({ status: 200, body: { finished: true } });
    expect(jobFinished).toBe(true);
    await expect(fetch(`${running.url}/health/live`)).rejects.toThrow();

    const observer = new JobQueue({ databaseUrl: db.url });
    await observer.start();
    try {
      expect((await observer.getJob('sweep-orphans', jobId!))?.state).toBe('completed');
    } finally {
      await observer.stop();
    }
  }, 30_000);
});
