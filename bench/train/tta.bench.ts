/**
 * What test-time augmentation buys a trained model, measured on its own held-out test split:
 *   node dist/bench/train/tta.bench.js --model <folder holding manifest.json> [--model ...] [--batch N]
 * Each model is scored twice, on the image alone and averaged over the views its training augmentations generate
 * (whether or not it was trained with --tta), with the split rebuilt from its saved config and checked against its
 * dataset fingerprint. Prints accuracy, macro F1 and (with an ok class) the defect score's ROC AUC for both.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  evaluate,
  prepareDataset,
  resolveTrainingConfig,
  testTimeViewsFor,
  type Evaluation,
} from '@linescope/training/engine';
import { loadModelFolder } from '@linescope/vision/artifacts';
import { initBackend } from '@linescope/vision/backend';
import { textTable } from '../../apps/trainer/src/cli/report.tables';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { model: { type: 'string', multiple: true }, batch: { type: 'string' } },
  });
  const folders = values.model ?? [];
  if (folders.length === 0) throw new Error('give at least one --model <folder>');
  const batchSize = Number(values.batch ?? 32);
  const backend = await initBackend({ logger: () => undefined });
  const rows: (string | number)[][] = [];
  for (const folder of folders) {
    const { model, manifest } = await loadModelFolder(folder);
    try {
      const config = resolveTrainingConfig(manifest.trainingConfig);
      const dataset = await prepareDataset(config, manifest.preprocessing);
      if (dataset.fingerprint.sha256 !== manifest.metrics.datasetSha256)
        throw new Error(`${folder}: the data on disk is not the data the model was trained on`);
      const views = testTimeViewsFor({
        ...config,
        evaluation: { ...config.evaluation, testTimeAugmentation: true },
      });
      const source = {
        cache: dataset.cache,
        labels: dataset.samples.map((sample) => sample.label),
        normalization: manifest.preprocessing.normalization,
      };
      const options = {
        classNames: dataset.classNames,
        positiveClasses: dataset.positiveClasses,
        targetRecall: config.evaluation.targetRecall,
        band: config.evaluation.band,
        batchSize,
      };
      const started = performance.now();
      const single = await evaluate(model, source, dataset.split, { ...options, views: ['identity'] });
      const singleMs = performance.now() - started;
      const averaged = await evaluate(model, source, dataset.split, { ...options, views });
      const averagedMs = performance.now() - started - singleMs;
      const line = (label: string, evaluation: Evaluation, ms: number) => [
        path.basename(path.resolve(folder)),
        label,
        evaluation.testCount,
        evaluation.report.accuracy,
        Math.round(evaluation.report.accuracy * evaluation.testCount),
        evaluation.report.macro.f1,
        evaluation.defect?.rocAuc ?? '-',
        Math.round(ms),
      ];
      rows.push(line('image alone', single, singleMs), line(`${views.length} views`, averaged, averagedMs));
    } finally {
      model.dispose();
    }
  }
  console.log(`backend ${backend.name}; test split of each model's own saved config`);
  console.log(
    textTable(
      ['model', 'scoring', 'test images', 'accuracy', 'right', 'macro F1', 'ROC AUC', 'evaluation ms'],
      rows,
    ),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
