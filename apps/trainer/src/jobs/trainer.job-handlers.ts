import { Injectable } from '@nestjs/common';
import { TrainingJobRepository } from '@linescope/db';
import { type JobHandlerMap } from '@linescope/queue';
import { DataSource } from 'typeorm';

/**
 * Every job kind the trainer works, in one place. Each handler re-reads its row and acts only if the job still
 * applies. The training engine is the training-worker capability (issue 4); until it is built into this app, a
 * training job is closed as failed with that reason rather than left queued forever.
 */
@Injectable()
export class TrainerJobHandlers {
  private readonly trainingJobs: TrainingJobRepository;

  constructor(dataSource: DataSource) {
    this.trainingJobs = new TrainingJobRepository(dataSource);
  }

  handlers(): JobHandlerMap<'trainer'> {
    return {
      'train-model': async ({ trainingJobId }) => {
        const job = await this.trainingJobs.findById(trainingJobId);
        if (!job) return { status: 'skipped', reason: 'training job no longer exists' };
        if (job.status !== 'queued' && job.status !== 'running')
          return { status: 'skipped', reason: `training job is ${job.status}` };
        await this.trainingJobs.markFailed(trainingJobId, 'this build has no training engine');
        return { status: 'done', detail: { trained: false } };
      },
      'evaluate-model': async () => {
        throw new Error('this build has no evaluation engine');
      },
    };
  }
}
