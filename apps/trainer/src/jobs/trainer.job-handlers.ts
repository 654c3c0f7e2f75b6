import { Injectable } from '@nestjs/common';
import { type JobHandlerMap } from '@linescope/queue';
import { ModelEvaluationService } from '../services/model-evaluation.service';
import { TrainingRunnerService } from '../services/training-runner.service';

/** Every job kind the trainer works, in one place. */
@Injectable()
export class TrainerJobHandlers {
  constructor(
    private readonly runner: TrainingRunnerService,
    private readonly evaluation: ModelEvaluationService,
  ) {}

  handlers(): JobHandlerMap<'trainer'> {
    return {
      'train-model': ({ trainingJobId }, context) => this.runner.run(trainingJobId, context),
      'evaluate-model': ({ modelVersionId, labelSetId }) =>
        this.evaluation.evaluate(modelVersionId, labelSetId),
    };
  }
}
