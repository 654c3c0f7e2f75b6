import { type DynamicModule, Module, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { type Infrastructure, InfrastructureModule } from '@linescope/platform';
import { AuthGuard } from './auth/auth.guard';
import { AuditEventsController } from './controllers/audit-events.controller';
import { AuthController } from './controllers/auth.controller';
import { CamerasController } from './controllers/cameras.controller';
import { DashboardsController } from './controllers/dashboards.controller';
import { EventsController } from './controllers/events.controller';
import { FilesController } from './controllers/files.controller';
import { InspectionsController } from './controllers/inspections.controller';
import { LinesController } from './controllers/lines.controller';
import { ModelsController } from './controllers/models.controller';
import { ReviewQueueController } from './controllers/review-queue.controller';
import { RetentionController } from './controllers/retention.controller';
import { ReviewsController } from './controllers/reviews.controller';
import { TrainingJobsController } from './controllers/training-jobs.controller';
import { TrainingController } from './controllers/training.controller';
import { UsersController } from './controllers/users.controller';
import { ApiError } from './errors/api-error';
import { ErrorFilter } from './errors/error.filter';
import { InferenceClient } from './inference/inference.client';
import { ApiJobHandlers } from './jobs/api.job-handlers';
import { AuditLogRepository } from './repositories/audit-log.repository';
import { CameraRepository } from './repositories/camera.repository';
import { CredentialsRepository } from './repositories/credentials.repository';
import { DashboardRepository } from './repositories/dashboard.repository';
import { EventListenerRepository } from './repositories/event-listener.repository';
import { EventRepository } from './repositories/event.repository';
import { InspectionPartitionRepository } from './repositories/inspection-partition.repository';
import { LoginFailureRepository } from './repositories/login-failure.repository';
import { PeopleRepository } from './repositories/people.repository';
import { ReviewQueueRepository } from './repositories/review-queue.repository';
import { RetentionRepository } from './repositories/retention.repository';
import { ReviewRepository } from './repositories/review.repository';
import { StorageUsageRepository } from './repositories/storage-usage.repository';
import { SessionRepository } from './repositories/session.repository';
import { AuditLogService } from './services/audit-log.service';
import { TrainingDataRepository } from './repositories/training-data.repository';
import { AuthService } from './services/auth.service';
import { VerdictRecorder } from '@linescope/inspections';
import { CameraLastSeen } from './services/camera-last-seen';
import { CameraService } from './services/camera.service';
import { DashboardService } from './services/dashboard.service';
import { EventHubService } from './services/event-hub.service';
import { EventStreamService } from './services/event-stream.service';
import { HousekeepingService } from './services/housekeeping.service';
import { InspectionFilesService } from './services/inspection-files.service';
import { InspectionIntakeService } from './services/inspection-intake.service';
import { InspectionQueryService } from './services/inspection-query.service';
import { LineService } from './services/line.service';
import { ModelLifecycleService } from './services/model-lifecycle.service';
import { OrphanSweepService } from './services/orphan-sweep.service';
import { PartitionMaintenanceService } from './services/partition-maintenance.service';
import { PendingRescueService } from './services/pending-rescue.service';
import { RateLimiter } from './services/rate-limiter';
import { ReviewQueueService } from './services/review-queue.service';
import { RetentionService } from './services/retention.service';
import { ReviewService } from './services/review.service';
import { StorageUsageService } from './services/storage-usage.service';
import { HeatmapOnDemandService } from './services/heatmap-on-demand.service';
import { ThumbnailService } from './services/thumbnail.service';
import { TrainingJobService } from './services/training-job.service';
import { ModelImportService } from './services/model-import.service';
import { TrainingCatalogService } from './services/training-catalog.service';
import { SignedUrlService } from './services/signed-url.service';
import { UserService } from './services/user.service';
import { WebhookService } from './services/webhook.service';
import { UploadInterceptor } from './upload/upload.interceptor';
import { CameraRateLimitGuard } from './upload/rate-limit.guard';
import { WebConsoleModule } from './web-console/web-console.module';

@Module({})
export class ApiModule {
  static forRoot(infra: Infrastructure): DynamicModule {
    return {
      module: ApiModule,
      imports: [InfrastructureModule.forRoot(infra), WebConsoleModule],
      controllers: [
        AuthController,
        LinesController,
        CamerasController,
        UsersController,
        InspectionsController,
        FilesController,
        ModelsController,
        ReviewsController,
        ReviewQueueController,
        EventsController,
        DashboardsController,
        TrainingJobsController,
        AuditEventsController,
        TrainingController,
        RetentionController,
      ],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ErrorFilter },
        {
          provide: APP_PIPE,
          useValue: new ValidationPipe({
            whitelist: true,
            forbidNonWhitelisted: true,
            transform: true,
            exceptionFactory: (errors) =>
              new ApiError(
                400,
                'invalid_request',
                errors
                  .flatMap((e) =>
                    Object.values(e.constraints ?? { [e.property]: `${e.property} is invalid` }),
                  )
                  .join('; '),
              ),
          }),
        },
        AuditLogRepository,
        CameraRepository,
        CredentialsRepository,
        DashboardRepository,
        EventListenerRepository,
        EventRepository,
        InspectionPartitionRepository,
        LoginFailureRepository,
        PeopleRepository,
        ReviewQueueRepository,
        RetentionRepository,
        ReviewRepository,
        StorageUsageRepository,
        SessionRepository,
        AuditLogService,
        TrainingDataRepository,
        AuthService,
        VerdictRecorder,
        CameraLastSeen,
        CameraService,
        InferenceClient,
        InspectionFilesService,
        InspectionIntakeService,
        InspectionQueryService,
        LineService,
        ModelLifecycleService,
        OrphanSweepService,
        PartitionMaintenanceService,
        PendingRescueService,
        RateLimiter,
        RetentionService,
        ReviewService,
        ReviewQueueService,
        StorageUsageService,
        TrainingJobService,
        ModelImportService,
        TrainingCatalogService,
        ThumbnailService,
        HeatmapOnDemandService,
        DashboardService,
        EventHubService,
        EventStreamService,
        HousekeepingService,
        SignedUrlService,
        UserService,
        WebhookService,
        UploadInterceptor,
        CameraRateLimitGuard,
        ApiJobHandlers,
      ],
    };
  }
}
