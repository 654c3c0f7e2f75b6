export * from './bootstrap/run-app';
export * from './health/health.service';
export * from './infrastructure/infrastructure';
export * from './infrastructure/infrastructure.module';
export * from './infrastructure/startup-error';
export * from './infrastructure/tokens';
export * from './logging/logger';
export * from './metrics/metrics';
