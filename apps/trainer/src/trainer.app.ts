import { type AppDefinition } from '@linescope/platform';
import { TrainerJobHandlers } from './jobs/trainer.job-handlers';
import { TrainerModule } from './trainer.module';

export const trainerApp: AppDefinition = {
  role: 'trainer',
  title: 'Linescope trainer',
  description: 'Training worker: health and metrics of the process that runs training and evaluation jobs.',
  port: (config) => config.ports.trainer,
  rootModule: (infra) => TrainerModule.forRoot(infra),
  startWorkers: async (app, infra) => {
    await infra.queue.work('trainer', app.get(TrainerJobHandlers).handlers());
  },
};
