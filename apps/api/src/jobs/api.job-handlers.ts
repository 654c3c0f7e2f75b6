import { Injectable } from '@nestjs/common';
import { type JobHandlerMap } from '@linescope/queue';
import { OrphanSweepService } from '../services/orphan-sweep.service';

/** Every job kind the API works, in one place. */
@Injectable()
export class ApiJobHandlers {
  constructor(private readonly orphans: OrphanSweepService) {}

  handlers(): JobHandlerMap<'api'> {
    return {
      'sweep-orphans': async ({ olderThanSeconds }) => {
        const report = await this.orphans.sweep(olderThanSeconds);
        return { status: 'done', detail: { scanned: report.scanned, deleted: report.deleted.length } };
      },
    };
  }
}
