export * from './job-kinds';
export * from './job-handlers';
export * from './job-queue';
