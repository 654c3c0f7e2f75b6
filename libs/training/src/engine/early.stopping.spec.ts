import {
  INITIAL_EARLY_STOPPING,
  metricMode,
  updateEarlyStopping,
  type EarlyStoppingState,
} from './early.stopping';

function fold(
  values: number[],
  config: { metric: 'valLoss' | 'valAccuracy'; patience: number; minDelta: number },
) {
  let state: EarlyStoppingState = INITIAL_EARLY_STOPPING;
  const stops: boolean[] = [];
  values.forEach((value, i) => {
    const update = updateEarlyStopping(state, value, i + 1, config);
    state = update.state;
    stops.push(update.stop);
  });
  return { state, stops };
}

describe('early stopping', () => {
  it('minimises losses and maximises accuracies', () => {
    expect(metricMode('valLoss')).toBe('min');
    expect(metricMode('valAccuracy')).toBe('max');
    expect(metricMode('valRocAuc')).toBe('max');
  });

  it('remembers the best epoch and stops after `patience` epochs without improvement', () => {
    const { state, stops } = fold([1.0, 0.8, 0.85, 0.9, 0.79], {
      metric: 'valLoss',
      patience: 2,
      minDelta: 0,
    });
    expect(stops).toEqual([false, false, false, true, false]);
    expect(state).toEqual({ best: 0.79, bestEpoch: 5, epochsWithoutImprovement: 0 });
  });

  it('needs more than minDelta to count as an improvement', () => {
    const { state } = fold([0.5, 0.505, 0.52], { metric: 'valAccuracy', patience: 5, minDelta: 0.01 });
    expect(state).toEqual({ best: 0.52, bestEpoch: 3, epochsWithoutImprovement: 0 });
    expect(fold([0.5, 0.505], { metric: 'valAccuracy', patience: 5, minDelta: 0.01 }).state.bestEpoch).toBe(
      1,
    );
  });

  it('never counts a non-finite value as an improvement', () => {
    const { state, stops } = fold([Number.NaN, 0.7, Number.NaN, Number.POSITIVE_INFINITY], {
      metric: 'valLoss',
      patience: 2,
      minDelta: 0,
    });
    expect(state.bestEpoch).toBe(2);
    expect(stops[3]).toBe(true);
  });
});
