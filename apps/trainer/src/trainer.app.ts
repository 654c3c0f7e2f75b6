import { type AppDefinition } from '@linescope/platform';
import { initBackend } from '@linescope/vision/backend';
import { TrainerJobHandlers } from './jobs/trainer.job-handlers';
import { StaleJobMonitor } from './services/stale-job.monitor';
import { TrainerModule } from './trainer.module';

export const trainerApp: AppDefinition = {
  role: 'trainer',
  title: 'Linescope trainer',
  description: 'Training worker: health and metrics of the process that runs training and evaluation jobs.',
  port: (config) => config.ports.trainer,
  rootModule: (infra) => TrainerModule.forRoot(infra),
  startWorkers: async (app, infra) => {
    const backend = await initBackend({
      preferred: infra.config.tfBackend,
      logger: (message) => infra.logger.info(message),
    });
    infra.logger.info({ backend }, 'TensorFlow.js backend ready');
    await infra.queue.work('trainer', app.get(TrainerJobHandlers).handlers());
    app.get(StaleJobMonitor).start();
  },
};
