export { batchNormTraining, type BatchNormTrainingResult } from './batch-norm.op';
export { FastBatchNorm, type FastBatchNormArgs } from './fast-batch-norm.layer';
