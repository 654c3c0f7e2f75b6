export * from './verdict-result';
export * from './verdict.recorder';
