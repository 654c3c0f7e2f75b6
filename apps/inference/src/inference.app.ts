import { type AppDefinition } from '@linescope/platform';
import { InferenceModule } from './inference.module';
import { InferenceJobHandlers } from './jobs/inference.job-handlers';

export const inferenceApp: AppDefinition = {
  role: 'inference',
  title: 'Linescope inference service',
  description: 'Stateless model serving: verdicts, heatmaps and shadow evaluation.',
  port: (config) => config.ports.inference,
  rootModule: (infra) => InferenceModule.forRoot(infra),
  startWorkers: async (app, infra) => {
    await infra.queue.work('inference', app.get(InferenceJobHandlers).handlers());
  },
};
