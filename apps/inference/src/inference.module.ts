import { type DynamicModule, Module } from '@nestjs/common';
import { type Infrastructure, InfrastructureModule } from '@linescope/platform';
import { InferenceJobHandlers } from './jobs/inference.job-handlers';

@Module({})
export class InferenceModule {
  static forRoot(infra: Infrastructure): DynamicModule {
    return {
      module: InferenceModule,
      imports: [InfrastructureModule.forRoot(infra)],
      providers: [InferenceJobHandlers],
    };
  }
}
