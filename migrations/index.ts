import { InitialSchema1764385200000 } from './1764385200000-initial-schema';

/** Every migration, in order. Listed explicitly so the same list works from TypeScript sources and built output. */
export const migrations = [InitialSchema1764385200000];
