export {
  benchRuns,
  RUN_IDS,
  SHARED_DATASETS,
  type BenchRun,
  type BenchScale,
  type RunId,
} from './bench.runs';
