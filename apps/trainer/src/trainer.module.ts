import { type DynamicModule, Module } from '@nestjs/common';
import { type Infrastructure, InfrastructureModule } from '@linescope/platform';
import { TrainerJobHandlers } from './jobs/trainer.job-handlers';

@Module({})
export class TrainerModule {
  static forRoot(infra: Infrastructure): DynamicModule {
    return {
      module: TrainerModule,
      imports: [InfrastructureModule.forRoot(infra)],
      providers: [TrainerJobHandlers],
    };
  }
}
