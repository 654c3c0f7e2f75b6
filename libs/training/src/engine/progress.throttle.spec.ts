import { ProgressThrottle } from './progress.throttle';
import { type TrainingProgress } from './training.hooks';

describe('ProgressThrottle', () => {
  it('forwards at most one update per interval, forced ones always', () => {
    let clock = 0;
    const sent: TrainingProgress[] = [];
    const throttle = new ProgressThrottle(
      (p) => sent.push(p),
      1000,
      () => clock,
    );
    throttle.report({ phase: 'training', step: 1 });
    clock = 400;
    throttle.report({ phase: 'training', step: 2 });
    throttle.report({ phase: 'training', step: 3 }, true);
    clock = 1500;
    throttle.report({ phase: 'training', step: 4 });
    expect(sent.map((p) => p.step)).toEqual([1, 3, 4]);
  });

  it('estimates the time left from this phase pace', () => {
    let clock = 0;
    const throttle = new ProgressThrottle(undefined, 0, () => clock);
    expect(throttle.eta(10)).toBeUndefined();
    clock = 10_000;
    throttle.restart();
    clock = 12_000;
    throttle.stepDone();
    throttle.stepDone();
    // 1 s per step, 30 steps left.
    expect(throttle.eta(30)).toBe(30);
  });
});
