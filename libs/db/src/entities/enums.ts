export const USER_ROLES = ['qa', 'ml_engineer', 'admin'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export const VERDICT_MODES = ['sync', 'async'] as const;
export type VerdictMode = (typeof VERDICT_MODES)[number];

export const INSPECTION_STATUSES = ['pending', 'scored', 'failed'] as const;
export type InspectionStatus = (typeof INSPECTION_STATUSES)[number];

export { VERDICTS, type Verdict } from '@linescope/verdict';

export const REVIEW_DECISIONS = ['ok', 'defect'] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];

export const MODEL_STAGES = ['candidate', 'production', 'archived'] as const;
export type ModelStage = (typeof MODEL_STAGES)[number];

export const TRAINING_JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type TrainingJobStatus = (typeof TRAINING_JOB_STATUSES)[number];

export const ACTOR_TYPES = ['user', 'camera', 'system'] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];
