import { type AppDefinition } from '@linescope/platform';
import { loadInferenceConfig } from './config/inference.config';
import { InferenceModule } from './inference.module';
import { InferenceRuntime } from './inference.runtime';
import { InferenceJobHandlers } from './jobs/inference.job-handlers';

/** The inference app; its INFERENCE_* settings are read from the environment it is started with. */
export const inferenceApp: AppDefinition = {
  role: 'inference',
  title: 'Linescope inference service',
  description: 'Stateless model serving: verdicts, heatmaps and shadow evaluation.',
  port: (appConfig) => appConfig.ports.inference,
  rootModule: (infra) => InferenceModule.forRoot(infra, loadInferenceConfig(infra.env)),
  startWorkers: async (app, infra) => {
    app.get(InferenceRuntime).startServing();
    await infra.queue.work('inference', app.get(InferenceJobHandlers).handlers(), {
      'score-inspection': loadInferenceConfig(infra.env).jobConcurrency,
    });
  },
  readinessChecks: (app) => ({ models: app.get(InferenceRuntime).readinessCheck }),
};
