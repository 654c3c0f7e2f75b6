export * from './passwords';
export * from './secret-token';
export * from './user-accounts';
