export * from './config.schema';
export * from './config.loader';
export * from './s3-endpoint';
