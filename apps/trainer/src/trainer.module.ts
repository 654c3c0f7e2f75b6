import { type DynamicModule, Module } from '@nestjs/common';
import { type Infrastructure, InfrastructureModule } from '@linescope/platform';
import { TrainerJobHandlers } from './jobs/trainer.job-handlers';
import { LabelSetRepository } from './repositories/label-set.repository';
import { LabelSetService } from './services/label-set.service';
import { ModelEvaluationService } from './services/model-evaluation.service';
import { ModelExportService } from './services/model-export.service';
import { ModelImportService } from './services/model-import.service';
import { ModelRegistryService } from './services/model-registry.service';
import { StaleJobMonitor } from './services/stale-job.monitor';
import { TrainingRunnerService } from './services/training-runner.service';

@Module({})
export class TrainerModule {
  static forRoot(infra: Infrastructure): DynamicModule {
    return {
      module: TrainerModule,
      imports: [InfrastructureModule.forRoot(infra)],
      providers: [
        LabelSetRepository,
        LabelSetService,
        ModelExportService,
        ModelRegistryService,
        ModelImportService,
        ModelEvaluationService,
        TrainingRunnerService,
        StaleJobMonitor,
        TrainerJobHandlers,
      ],
    };
  }
}
