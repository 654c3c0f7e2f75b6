export * from './object-store';
export { FsObjectStore } from './fs-object-store';
export { S3ObjectStore, type S3Endpoint, type S3StoreOptions } from './s3-object-store';
