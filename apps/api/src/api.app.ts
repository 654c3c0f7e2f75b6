import { type AppDefinition } from '@linescope/platform';
import { ApiModule } from './api.module';
import { addSecuritySchemes } from './auth/auth.decorators';
import { ApiJobHandlers } from './jobs/api.job-handlers';
import { EventHubService } from './services/event-hub.service';
import { OrphanSweepService } from './services/orphan-sweep.service';

/** Hourly: objects older than the grace period with no row are removed. */
const ORPHAN_SWEEP_CRON = '17 * * * *';

export const apiApp: AppDefinition = {
  role: 'api',
  title: 'Linescope API',
  description: 'Camera ingestion, inspections, reviews, models and training jobs.',
  port: (config) => config.ports.api,
  rootModule: (infra) => ApiModule.forRoot(infra),
  startWorkers: async (app, infra) => {
    await infra.queue.work('api', app.get(ApiJobHandlers).handlers());
    await infra.queue.schedule('sweep-orphans', ORPHAN_SWEEP_CRON, {});
    // What a previous process committed but never answered nor queued (it was killed) is scored now.
    const processStarted = new Date(Date.now() - process.uptime() * 1000);
    await app
      .get(OrphanSweepService)
      .requeueUnscheduledPending(processStarted)
      .catch((error: unknown) =>
        infra.logger.warn({ err: error }, 'could not queue pending inspections left without a scoring job'),
      );
  },
  openApi: addSecuritySchemes,
  beforeShutdown: (app) => app.get(EventHubService).closeStreams(),
};
