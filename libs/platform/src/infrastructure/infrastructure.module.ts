import { type DynamicModule, Global, Module } from '@nestjs/common';
import { APP_CONFIG, LOGGER, OBJECT_STORE, SHUTDOWN_SIGNAL } from './tokens';
import { JobQueue } from '@linescope/queue';
import { DB_REPOSITORIES, DatabaseTransactions } from '@linescope/db';
import { DataSource, EntityManager } from 'typeorm';
import { HealthController } from '../health/health.controller';
import { DiskWatch } from '../health/disk-watch';
import { HealthService, READINESS_CHECKS } from '../health/health.service';
import { Metrics } from '../metrics/metrics';
import { MetricsController } from '../metrics/metrics.controller';
import { type Infrastructure } from './infrastructure';

/** Exposes the already-connected infrastructure to Nest's container, with health and metrics endpoints. */
@Global()
@Module({})
export class InfrastructureModule {
  static forRoot(infra: Infrastructure): DynamicModule {
    return {
      module: InfrastructureModule,
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: APP_CONFIG, useValue: infra.config },
        { provide: LOGGER, useValue: infra.logger },
        { provide: Metrics, useValue: infra.metrics },
        { provide: DataSource, useValue: infra.dataSource },
        // Repositories are built on the data source's manager; DatabaseTransactions rebinds them to a transaction.
        { provide: EntityManager, useValue: infra.dataSource.manager },
        DatabaseTransactions,
        ...DB_REPOSITORIES,
        { provide: OBJECT_STORE, useValue: infra.store },
        { provide: JobQueue, useValue: infra.queue },
        { provide: SHUTDOWN_SIGNAL, useValue: infra.shutdownSignal },
        {
          provide: READINESS_CHECKS,
          useValue: {
            database: () => infra.checkDatabase(),
            storage: () => infra.store.ping(),
            queue: () => infra.queue.ping(),
          },
        },
        DiskWatch,
        HealthService,
      ],
      exports: [
        APP_CONFIG,
        LOGGER,
        Metrics,
        DataSource,
        EntityManager,
        DatabaseTransactions,
        ...DB_REPOSITORIES,
        OBJECT_STORE,
        JobQueue,
        SHUTDOWN_SIGNAL,
        DiskWatch,
      ],
    };
  }
}
