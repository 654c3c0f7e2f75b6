import { type AppDefinition } from '@linescope/platform';
import { type InferenceConfig, loadInferenceConfig } from './config/inference.config';
import { addReadinessCheck } from './health/readiness.registration';
import { InferenceModule } from './inference.module';
import { InferenceRuntime } from './inference.runtime';
import { InferenceJobHandlers } from './jobs/inference.job-handlers';

/** The inference app, reading its INFERENCE_* settings from `env` (validated when the app starts). */
export function inferenceAppFor(env: NodeJS.ProcessEnv = process.env): AppDefinition {
  let parsed: InferenceConfig | undefined;
  const config = () => (parsed ??= loadInferenceConfig(env));
  return {
    role: 'inference',
    title: 'Linescope inference service',
    description: 'Stateless model serving: verdicts, heatmaps and shadow evaluation.',
    port: (appConfig) => appConfig.ports.inference,
    rootModule: (infra) => InferenceModule.forRoot(infra, config()),
    startWorkers: async (app, infra) => {
      const runtime = app.get(InferenceRuntime);
      addReadinessCheck(app, 'models', runtime.readinessCheck);
      runtime.startServing();
      await infra.queue.work('inference', app.get(InferenceJobHandlers).handlers(), {
        'score-inspection': config().jobConcurrency,
      });
    },
  };
}

export const inferenceApp: AppDefinition = inferenceAppFor();
