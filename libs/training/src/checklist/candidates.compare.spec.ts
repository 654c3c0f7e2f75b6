import { compareCandidates, type CandidateRun } from './candidates.compare';
import { type EpochRecord } from './finding.types';

const run = (name: string, valAcc: number[], valLoss: number[], lr: number): CandidateRun => ({
  name,
  settings: { lr },
  epochs: valAcc.map((acc, epoch): EpochRecord => ({
    epoch,
    trainLoss: valLoss[epoch],
    valLoss: valLoss[epoch],
    trainAcc: acc,
    valAcc: acc,
    lr,
  })),
});

const runs = [
  run('lr=1e-3', [0.6, 0.7, 0.75], [1.2, 0.9, 0.8], 1e-3),
  run('lr=1', [0.2, 0.1, 0.1], [5, 80, Number.NaN], 1),
  run('lr=1e-2', [0.7, 0.85, 0.83], [0.9, 0.6, 0.65], 1e-2),
  run('lr=1e-1', [0.65, 0.72, 0.8], [1.0, 0.75, 0.7], 1e-1),
];

describe('compareCandidates', () => {
  it('ranks by best validation accuracy, diverged runs last', () => {
    const ranked = compareCandidates(runs);
    expect(ranked.map((r) => [r.rank, r.name])).toEqual([
      [1, 'lr=1e-2'],
      [2, 'lr=1e-1'],
      [3, 'lr=1e-3'],
      [4, 'lr=1'],
    ]);
    expect(ranked[0]).toMatchObject({ score: 0.85, bestEpoch: 1, diverged: false, settings: { lr: 1e-2 } });
    expect(ranked[3].diverged).toBe(true);
    expect(ranked[3].score).toBeNaN();
  });

  it('ranks by lowest validation loss when asked', () => {
    const ranked = compareCandidates(runs, 'valLoss');
    expect(ranked.map((r) => r.name)).toEqual(['lr=1e-2', 'lr=1e-1', 'lr=1e-3', 'lr=1']);
    expect(ranked[0]).toMatchObject({ score: 0.6, bestEpoch: 1 });
  });

  it('breaks ties on validation loss, then name', () => {
    const ranked = compareCandidates([
      run('b', [0.8], [0.5], 1),
      run('a', [0.8], [0.5], 1),
      run('c', [0.8], [0.4], 1),
    ]);
    expect(ranked.map((r) => r.name)).toEqual(['c', 'a', 'b']);
  });

  it('puts a run that logged nothing last', () => {
    const ranked = compareCandidates([{ name: 'empty', epochs: [] }, run('x', [0.5], [1], 1)]);
    expect(ranked.map((r) => r.name)).toEqual(['x', 'empty']);
    expect(ranked[1]).toMatchObject({ diverged: true, bestEpoch: -1 });
  });
});
