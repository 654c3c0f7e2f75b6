export { CliUsageError, configFileOf, parseTrainArgs, USAGE, type TrainCliOptions } from './train.args';
export { createProgressWriter, formatDuration, progressLine, type ProgressWriter } from './progress.bar';
export { evaluationReport, findingsTable, formatNumber, textTable } from './report.tables';
export { runTrainCli, type CliIo } from './train.cli';
export {
  IMPORT_USAGE,
  ImportUsageError,
  parseImportArgs,
  runImportModelCli,
  type ImportCliOptions,
} from './import-model.cli';
