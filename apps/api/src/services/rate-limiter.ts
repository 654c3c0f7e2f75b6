import { Inject, Injectable } from '@nestjs/common';
import { type AppConfig } from '@linescope/config';
import { APP_CONFIG } from '@linescope/platform';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * A token bucket per camera, in this API instance's memory: `rate` uploads per second with bursts of up to one
 * second's worth (at least 1). With N API instances behind a balancer a camera can reach N times its rate; the
 * limit protects each instance, it is not a billing meter.
 */
@Injectable()
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Takes one token; returns 0 when allowed, else the seconds until one is available. */
  take(cameraId: string, ratePerSecond: number | null, now = Date.now()): number {
    const rate = ratePerSecond ?? this.config.ingest.defaultCameraRateLimit;
    const capacity = Math.max(1, rate);
    const bucket = this.buckets.get(cameraId) ?? { tokens: capacity, updatedAt: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.updatedAt) / 1000) * rate);
    bucket.updatedAt = now;
    this.buckets.set(cameraId, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return (1 - bucket.tokens) / rate;
  }
}
