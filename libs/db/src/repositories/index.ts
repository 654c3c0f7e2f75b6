export * from './audit.repository';
export * from './inspection.repository';
export * from './model-version.repository';
export * from './object-reference.repository';
export * from './production-line.repository';
export * from './shadow-result.repository';
export * from './training-job.repository';
export * from './db-repositories';
