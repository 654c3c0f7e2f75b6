import { ZodError } from 'zod';
import { createSchedule, sampleSchedule } from './lr.schedule';
import { parseScheduleOptions, type ScheduleOptions } from './schedule.options';

interface ScheduleCase {
  name: string;
  options: ScheduleOptions;
  /** Expected rate at the named checkpoints: [step, lr]. */
  start: [number, number];
  warmupEnd: [number, number];
  middle: [number, number];
  end: [number, number];
  beyond: [number, number];
  /** Shape after warm-up. */
  afterWarmup: 'constant' | 'non-increasing';
}

const cosineMid = (peak: number, min: number, progress: number) =>
  min + (peak - min) * 0.5 * (1 + Math.cos(Math.PI * progress));

// The same table drives every schedule: values at step 0, end of warm-up, middle, end and beyond the end.
const table: ScheduleCase[] = [
  {
    name: 'constant',
    options: { kind: 'constant', lr: 0.1 },
    start: [0, 0.1],
    warmupEnd: [0, 0.1],
    middle: [50, 0.1],
    end: [100, 0.1],
    beyond: [1000, 0.1],
    afterWarmup: 'constant',
  },
  {
    name: 'constant with warm-up',
    options: { kind: 'constant', lr: 0.1, warmup: { steps: 10, startLr: 0 } },
    start: [0, 0],
    warmupEnd: [10, 0.1],
    middle: [5, 0.05],
    end: [100, 0.1],
    beyond: [1000, 0.1],
    afterWarmup: 'constant',
  },
  {
    name: 'step every 30 with warm-up',
    options: { kind: 'step', lr: 1, gamma: 0.1, every: 30, warmup: { steps: 10, startLr: 0.01 } },
    start: [0, 0.01],
    warmupEnd: [10, 1],
    middle: [45, 0.1],
    end: [90, 0.001],
    beyond: [125, 0.0001],
    afterWarmup: 'non-increasing',
  },
  {
    name: 'step at milestones',
    options: { kind: 'step', lr: 0.2, gamma: 0.5, milestones: [50, 80], warmup: { steps: 5, startLr: 0.02 } },
    start: [0, 0.02],
    warmupEnd: [5, 0.2],
    middle: [50, 0.1],
    end: [80, 0.05],
    beyond: [500, 0.05],
    afterWarmup: 'non-increasing',
  },
  {
    name: 'cosine without warm-up',
    options: { kind: 'cosine', lr: 0.1, minLr: 0.001, totalSteps: 100 },
    start: [0, 0.1],
    warmupEnd: [0, 0.1],
    middle: [50, 0.0505],
    end: [100, 0.001],
    beyond: [250, 0.001],
    afterWarmup: 'non-increasing',
  },
  {
    name: 'cosine with warm-up',
    options: { kind: 'cosine', lr: 0.1, minLr: 0.001, totalSteps: 110, warmup: { steps: 10, startLr: 0 } },
    start: [0, 0],
    warmupEnd: [10, 0.1],
    middle: [35, cosineMid(0.1, 0.001, 0.25)],
    end: [110, 0.001],
    beyond: [111.5, 0.001],
    afterWarmup: 'non-increasing',
  },
  {
    name: 'cosine to zero by default',
    options: { kind: 'cosine', lr: 2, totalSteps: 4 },
    start: [0, 2],
    warmupEnd: [0, 2],
    middle: [2, 1],
    end: [4, 0],
    beyond: [5, 0],
    afterWarmup: 'non-increasing',
  },
  {
    name: 'linear with warm-up',
    options: { kind: 'linear', lr: 1, endLr: 0, totalSteps: 100, warmup: { steps: 20, startLr: 0.1 } },
    start: [0, 0.1],
    warmupEnd: [20, 1],
    middle: [60, 0.5],
    end: [100, 0],
    beyond: [150, 0],
    afterWarmup: 'non-increasing',
  },
];

describe.each(table)('schedule: $name', (testCase) => {
  const schedule = createSchedule(testCase.options);
  const warmupSteps = testCase.options.warmup?.steps ?? 0;

  it.each(['start', 'warmupEnd', 'middle', 'end', 'beyond'] as const)(
    'has the expected rate at %s',
    (point) => {
      const [step, lr] = testCase[point];
      expect(schedule(step)).toBeCloseTo(lr, 10);
    },
  );

  it('rises monotonically through warm-up', () => {
    for (let step = 1; step <= warmupSteps; step++) {
      expect(schedule(step)).toBeGreaterThanOrEqual(schedule(step - 1));
    }
  });

  it('is continuous at the warm-up boundary', () => {
    if (warmupSteps === 0) {
      expect(schedule(0)).toBeCloseTo(testCase.options.lr, 12);
      return;
    }
    expect(Math.abs(schedule(warmupSteps - 1e-6) - schedule(warmupSteps))).toBeLessThan(1e-6);
  });

  it(`is ${testCase.afterWarmup} after warm-up`, () => {
    const lastStep = testCase.beyond[0];
    for (let step = warmupSteps + 1; step <= lastStep; step++) {
      if (testCase.afterWarmup === 'constant') expect(schedule(step)).toBe(schedule(warmupSteps));
      else expect(schedule(step)).toBeLessThanOrEqual(schedule(step - 1) + 1e-15);
    }
  });

  it('rejects negative and non-finite steps', () => {
    expect(() => schedule(-1)).toThrow(RangeError);
    expect(() => schedule(Number.NaN)).toThrow(RangeError);
  });
});

describe('schedule options', () => {
  it('round-trips through JSON', () => {
    for (const { options } of table) {
      const restored = parseScheduleOptions(JSON.parse(JSON.stringify(options)));
      expect(createSchedule(restored)(37)).toBe(createSchedule(options)(37));
    }
  });

  it.each([
    ['unknown kind', { kind: 'exponential', lr: 0.1 }],
    ['non-positive lr', { kind: 'constant', lr: 0 }],
    ['step with neither every nor milestones', { kind: 'step', lr: 0.1, gamma: 0.1 }],
    [
      'step with both every and milestones',
      { kind: 'step', lr: 0.1, gamma: 0.1, every: 10, milestones: [20] },
    ],
    ['milestones not increasing', { kind: 'step', lr: 0.1, gamma: 0.1, milestones: [20, 10] }],
    [
      'milestone inside warm-up',
      { kind: 'step', lr: 0.1, gamma: 0.1, milestones: [5], warmup: { steps: 10, startLr: 0 } },
    ],
    [
      'cosine shorter than warm-up',
      { kind: 'cosine', lr: 0.1, totalSteps: 10, warmup: { steps: 10, startLr: 0 } },
    ],
    ['cosine minLr above lr', { kind: 'cosine', lr: 0.1, minLr: 0.2, totalSteps: 10 }],
    ['unknown field', { kind: 'constant', lr: 0.1, decay: 0.5 }],
  ])('rejects %s', (_name, json) => {
    expect(() => parseScheduleOptions(json)).toThrow(ZodError);
  });
});

describe('sampleSchedule', () => {
  it('lists the rate at each step', () => {
    const samples = sampleSchedule(createSchedule({ kind: 'linear', lr: 1, endLr: 0, totalSteps: 4 }), 6);
    expect(samples.map((s) => s.lr)).toEqual([1, 0.75, 0.5, 0.25, 0, 0]);
    expect(samples.map((s) => s.step)).toEqual([0, 1, 2, 3, 4, 5]);
  });
});
