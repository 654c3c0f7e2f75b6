import { type INestApplication } from '@nestjs/common';
import { type DependencyCheck, READINESS_CHECKS } from '@linescope/platform';

/**
 * Adds a check to the platform's `GET /health/ready`, beside database, storage and queue. The platform keeps its
 * checks in one object that the health service reads on every request; an app adds its own to it at start.
 */
export function addReadinessCheck(app: INestApplication, name: string, check: DependencyCheck): void {
  const checks = app.get<Record<string, DependencyCheck>>(READINESS_CHECKS, { strict: false });
  checks[name] = check;
}
