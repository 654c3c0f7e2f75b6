import { splitStats } from './split.stats';
import { type DatasetSplit, type Sample } from './sample.types';

const sample = (label: number, className: string, name: string): Sample => ({ path: `/d/${name}`, label, className });

describe('splitStats', () => {
  it('counts per class per split with totals', () => {
    const split: DatasetSplit = {
      train: [sample(0, 'ok', '1'), sample(0, 'ok', '2'), sample(1, 'crack', '3')],
      validation: [sample(1, 'crack', '4')],
      test: [sample(0, 'ok', '5')],
    };
    expect(splitStats(split, ['ok', 'crack', 'fray'])).toEqual({
      perClass: [
        { className: 'ok', train: 2, validation: 0, test: 1, total: 3 },
        { className: 'crack', train: 1, validation: 1, test: 0, total: 2 },
        { className: 'fray', train: 0, validation: 0, test: 0, total: 0 },
      ],
      totals: { train: 3, validation: 1, test: 1, total: 5 },
    });
  });

  it('rejects a sample whose label does not match the class names', () => {
    const split: DatasetSplit = { train: [sample(1, 'ok', '1')], validation: [], test: [] };
    expect(() => splitStats(split, ['ok', 'crack'])).toThrow('does not match');
  });
});
