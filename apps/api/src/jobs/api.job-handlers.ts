import { Injectable } from '@nestjs/common';
import { type JobHandlerMap } from '@linescope/queue';
import { OrphanSweepService } from '../services/orphan-sweep.service';
import { RetentionService } from '../services/retention.service';
import { PartitionMaintenanceService } from '../services/partition-maintenance.service';
import { WebhookService } from '../services/webhook.service';

/** Every job kind the API works, in one place. */
@Injectable()
export class ApiJobHandlers {
  constructor(
    private readonly orphans: OrphanSweepService,
    private readonly webhooks: WebhookService,
    private readonly retention: RetentionService,
    private readonly partitions: PartitionMaintenanceService,
  ) {}

  handlers(): JobHandlerMap<'api'> {
    return {
      'sweep-orphans': async ({ olderThanSeconds }) => {
        const report = await this.orphans.sweep(olderThanSeconds);
        const requeued = await this.orphans.requeueStalePending();
        return {
          status: 'done',
          detail: { scanned: report.scanned, deleted: report.deleted.length, requeued },
        };
      },
      'notify-webhook': ({ inspectionId }) => this.webhooks.notify(inspectionId),
      'apply-retention': async ({ requestedBy }) => {
        const { lines: _perLine, ...report } = await this.retention.run({ actorId: requestedBy ?? null });
        return { status: 'done', detail: report };
      },
      'maintain-partitions': async () => {
        const report = await this.partitions.maintain();
        return {
          status: 'done',
          detail: { ensured: report.ensured.length, dropped: report.dropped, kept: report.kept },
        };
      },
    };
  }
}
