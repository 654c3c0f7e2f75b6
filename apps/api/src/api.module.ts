import { type DynamicModule, Module } from '@nestjs/common';
import { type Infrastructure, InfrastructureModule } from '@linescope/platform';
import { ApiJobHandlers } from './jobs/api.job-handlers';
import { OrphanSweepService } from './services/orphan-sweep.service';

@Module({})
export class ApiModule {
  static forRoot(infra: Infrastructure): DynamicModule {
    return {
      module: ApiModule,
      imports: [InfrastructureModule.forRoot(infra)],
      providers: [OrphanSweepService, ApiJobHandlers],
    };
  }
}
