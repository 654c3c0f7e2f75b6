import { type AppDefinition } from '@linescope/platform';
import { ApiModule } from './api.module';
import { ApiJobHandlers } from './jobs/api.job-handlers';
import { completeApiDocument, describeApi } from './openapi/document';
import { EventHubService } from './services/event-hub.service';

/** Hourly: objects older than the grace period with no row are removed. */
const ORPHAN_SWEEP_CRON = '17 * * * *';
/** Daily at 02:40 (UTC, pg-boss's default): images the retention policy no longer keeps are deleted. */
const RETENTION_CRON = '40 2 * * *';
/** Hourly, so a missed run (all instances down at midnight) never leaves a day without its partition. */
const PARTITION_MAINTENANCE_CRON = '41 * * * *';

export const apiApp: AppDefinition = {
  role: 'api',
  title: 'Linescope API',
  description: 'Camera ingestion, inspections, reviews, models and training jobs.',
  port: (config) => config.ports.api,
  rootModule: (infra) => ApiModule.forRoot(infra),
  startWorkers: async (app, infra) => {
    await infra.queue.work('api', app.get(ApiJobHandlers).handlers());
    await infra.queue.schedule('sweep-orphans', ORPHAN_SWEEP_CRON, {});
    await infra.queue.schedule('apply-retention', RETENTION_CRON, {});
    await infra.queue.schedule('maintain-partitions', PARTITION_MAINTENANCE_CRON, {});
    // Once at start too: an installation that was stopped for days gets its partitions before the first upload.
    await infra.queue.send('maintain-partitions', {});
  },
  openApi: describeApi,
  completeOpenApi: completeApiDocument,
  beforeShutdown: (app) => app.get(EventHubService).closeStreams(),
};
