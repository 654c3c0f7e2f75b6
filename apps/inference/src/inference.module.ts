import { type DynamicModule, Module } from '@nestjs/common';
import { InspectionRepository, ShadowResultRepository } from '@linescope/db';
import { VerdictRecorder } from '@linescope/inspections';
import { type Infrastructure, InfrastructureModule } from '@linescope/platform';
import { type InferenceConfig } from './config/inference.config';
import { PredictController } from './http/predict.controller';
import { InferenceRuntime } from './inference.runtime';
import { InferenceJobHandlers } from './jobs/inference.job-handlers';
import { LateVerdicts } from './scoring/late-verdicts';
import { ServingSetRepository } from './repositories/serving-set.repository';

@Module({})
export class InferenceModule {
  static forRoot(infra: Infrastructure, config: InferenceConfig): DynamicModule {
    return {
      module: InferenceModule,
      imports: [InfrastructureModule.forRoot(infra)],
      controllers: [PredictController],
      providers: [
        // Workers start (each initialising its backend) before Nest finishes creating the app.
        {
          provide: InferenceRuntime,
          inject: [ServingSetRepository, InspectionRepository, ShadowResultRepository],
          useFactory: (
            servingSet: ServingSetRepository,
            inspections: InspectionRepository,
            shadowResults: ShadowResultRepository,
          ) => InferenceRuntime.start(infra, config, { servingSet, inspections, shadowResults }),
        },
        ServingSetRepository,
        VerdictRecorder,
        InferenceJobHandlers,
        LateVerdicts,
      ],
    };
  }
}
