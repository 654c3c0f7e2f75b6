export * from './secret-token';
export * from './user-accounts';
