import { AuditEventEntity } from './audit-event.entity';
import { CameraApiKeyEntity } from './camera-api-key.entity';
import { CameraEntity } from './camera.entity';
import { InspectionEntity } from './inspection.entity';
import { LabelSetEntity, LabelSetItemEntity } from './label-set.entity';
import { ModelPromotionEntity, ShadowResultEntity } from './model-lifecycle.entity';
import { ModelVersionEntity } from './model-version.entity';
import { ProductionLineEntity } from './production-line.entity';
import { ReviewEntity } from './review.entity';
import { TrainingEpochEntity, TrainingJobEntity } from './training-job.entity';
import { UserApiTokenEntity } from './user-api-token.entity';
import { UserEntity } from './user.entity';

export * from './enums';
export * from './audit-event.entity';
export * from './camera-api-key.entity';
export * from './camera.entity';
export * from './inspection.entity';
export * from './label-set.entity';
export * from './model-lifecycle.entity';
export * from './model-version.entity';
export * from './production-line.entity';
export * from './review.entity';
export * from './training-job.entity';
export * from './user-api-token.entity';
export * from './user.entity';

export const entities = [
  UserEntity,
  UserApiTokenEntity,
  ProductionLineEntity,
  CameraEntity,
  CameraApiKeyEntity,
  InspectionEntity,
  ReviewEntity,
  LabelSetEntity,
  LabelSetItemEntity,
  ModelVersionEntity,
  ModelPromotionEntity,
  ShadowResultEntity,
  TrainingJobEntity,
  TrainingEpochEntity,
  AuditEventEntity,
];
