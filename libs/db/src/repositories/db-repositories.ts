import { AuditRepository } from './audit.repository';
import { InspectionRepository } from './inspection.repository';
import { ModelVersionRepository } from './model-version.repository';
import { ObjectReferenceRepository } from './object-reference.repository';
import { ProductionLineRepository } from './production-line.repository';
import { ShadowResultRepository } from './shadow-result.repository';
import { TrainingJobRepository } from './training-job.repository';
import { UserRepository } from './user.repository';

/** The shared repositories, provided to every app by the infrastructure module. */
export const DB_REPOSITORIES = [
  AuditRepository,
  InspectionRepository,
  ModelVersionRepository,
  ObjectReferenceRepository,
  ProductionLineRepository,
  ShadowResultRepository,
  TrainingJobRepository,
  UserRepository,
];
