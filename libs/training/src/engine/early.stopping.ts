import { type EarlyStoppingConfig } from './training.config';

export type EarlyStoppingMetric = EarlyStoppingConfig['metric'];

export interface EarlyStoppingState {
  best: number | null;
  bestEpoch: number | null;
  epochsWithoutImprovement: number;
}

export const INITIAL_EARLY_STOPPING: EarlyStoppingState = {
  best: null,
  bestEpoch: null,
  epochsWithoutImprovement: 0,
};

/** Loss falls, accuracy and AUC rise. */
export function metricMode(metric: EarlyStoppingMetric): 'min' | 'max' {
  return metric === 'valLoss' ? 'min' : 'max';
}

/**
 * Folds one epoch's validation metric into the state. Improvement means beating the best by more than
 * minDelta; a non-finite value never improves. `stop` once `patience` epochs in a row did not improve.
 */
export function updateEarlyStopping(
  state: EarlyStoppingState,
  value: number,
  epoch: number,
  config: Pick<EarlyStoppingConfig, 'metric' | 'patience' | 'minDelta'>,
): { state: EarlyStoppingState; improved: boolean; stop: boolean } {
  const better =
    metricMode(config.metric) === 'min'
      ? (v: number, best: number) => v < best - config.minDelta
      : (v: number, best: number) => v > best + config.minDelta;
  const improved = Number.isFinite(value) && (state.best === null || better(value, state.best));
  const next: EarlyStoppingState = improved
    ? { best: value, bestEpoch: epoch, epochsWithoutImprovement: 0 }
    : { ...state, epochsWithoutImprovement: state.epochsWithoutImprovement + 1 };
  return { state: next, improved, stop: next.epochsWithoutImprovement >= config.patience };
}
