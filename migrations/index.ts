import { InitialSchema1764385200000 } from './1764385200000-initial-schema';
import { UserApiTokens1764471600000 } from './1764471600000-user-api-tokens';
import { ModelLifecycle1764558000000 } from './1764558000000-model-lifecycle';
import { TrainingHeartbeat1764644400000 } from './1764644400000-training-heartbeat';
import { WebConsole1764730800000 } from './1764730800000-web-console';
import { TrainingProgressEvents1764903600000 } from './1764903600000-training-progress-events';
import { ModelArtefacts1764907200000 } from './1764907200000-model-artefacts';
import { Administration1764910800000 } from './1764910800000-administration';
import { Retention1764918000000 } from './1764918000000-retention';
import { PartitionedInspections1764936000000 } from './1764936000000-partitioned-inspections';

/** Every migration, in order. Listed explicitly so the same list works from TypeScript sources and built output. */
export const migrations = [
  InitialSchema1764385200000,
  UserApiTokens1764471600000,
  ModelLifecycle1764558000000,
  TrainingHeartbeat1764644400000,
  WebConsole1764730800000,
  TrainingProgressEvents1764903600000,
  ModelArtefacts1764907200000,
  Administration1764910800000,
  Retention1764918000000,
  PartitionedInspections1764936000000,
];
