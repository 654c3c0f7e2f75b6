import { loadConfig } from '@linescope/config';
import { RateLimiter } from './rate-limiter';

function limiter(defaultRate = '50'): RateLimiter {
  return new RateLimiter(
    loadConfig({
      DATABASE_URL: 'postgresql://unused@127.0.0.1/unused',
      DEFAULT_CAMERA_RATE_LIMIT: defaultRate,
    }),
  );
}

describe('RateLimiter', () => {
  it("allows a second's worth of uploads at once, then answers how long to wait for the next token", () => {
    const rates = limiter();
    const allowed = Array.from({ length: 5 }, () => rates.take('cam', 5, 0));
    expect(allowed).toEqual([0, 0, 0, 0, 0]);
    expect(rates.take('cam', 5, 0)).toBeCloseTo(0.2);
    expect(rates.take('cam', 5, 100)).toBeCloseTo(0.1); // half a token refilled in 100 ms
    expect(rates.take('cam', 5, 200)).toBe(0);
  });

  it('keeps one bucket per camera, and a slow camera still gets one upload at once', () => {
    const rates = limiter();
    expect(rates.take('slow', 0.5, 0)).toBe(0);
    expect(rates.take('slow', 0.5, 0)).toBeCloseTo(2);
    expect(rates.take('other', 0.5, 0)).toBe(0);
    expect(rates.take('slow', 0.5, 2_000)).toBe(0);
  });

  it('refills no more than the burst after a long pause', () => {
    const rates = limiter();
    expect(rates.take('cam', 2, 0)).toBe(0);
    const afterPause = Array.from({ length: 3 }, () => rates.take('cam', 2, 3_600_000));
    expect(afterPause.map((wait) => wait === 0)).toEqual([true, true, false]);
  });

  it('uses DEFAULT_CAMERA_RATE_LIMIT for a camera without its own limit', () => {
    const rates = limiter('1');
    expect(rates.take('cam', null, 0)).toBe(0);
    expect(rates.take('cam', null, 0)).toBeCloseTo(1);
  });
});
