import { type DynamicModule, Module } from '@nestjs/common';
import { type Infrastructure, InfrastructureModule } from '@linescope/platform';
import { type InferenceConfig } from './config/inference.config';
import { PredictController } from './http/predict.controller';
import { InferenceRuntime } from './inference.runtime';
import { InferenceJobHandlers } from './jobs/inference.job-handlers';

@Module({})
export class InferenceModule {
  static forRoot(infra: Infrastructure, config: InferenceConfig): DynamicModule {
    return {
      module: InferenceModule,
      imports: [InfrastructureModule.forRoot(infra)],
      controllers: [PredictController],
      providers: [
        // Workers start (each initialising its backend) before Nest finishes creating the app.
        { provide: InferenceRuntime, useFactory: () => InferenceRuntime.start(infra, config) },
        InferenceJobHandlers,
      ],
    };
  }
}
