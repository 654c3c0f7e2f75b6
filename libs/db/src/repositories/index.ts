export * from './inspection.repository';
export * from './object-reference.repository';
export * from './training-job.repository';
