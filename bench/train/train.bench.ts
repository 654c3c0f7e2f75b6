/**
 * Full training runs of the engine, with their metrics and wall time:
 *   node dist/bench/train/train.bench.js
 *     [--runs mt-binary,mt-6class,neu-6class,vit-plain,vit-distilled,mt-binary-mnv2,mt-6class-mnv2]
 *     [--quick] [--epochs N] [--vit-epochs N] [--limit-per-class N] [--size N] [--seed N] [--out <folder>] [--json <file>]
 *     [--datasets <folder holding magnetic-tile/ and neu-cls/>] [--distill hard|soft] [--no-early-stopping]
 *     [--freeze-up-to <layer>] [--pretrained-dir <folder>] [--recalibrate-batch-norms]
 * --quick shrinks every run (tiny models, 3 epochs) to check the bench end to end in a few minutes.
 * --out saves every model artifact through an FsObjectStore there. The ViT runs use the neu-cls CNN as teacher.
 * The -mnv2 runs fine-tune nsfwjs' MobileNetV2 (a devDependency), exported first to --pretrained-dir (default in
 * the temp folder); --freeze-up-to moves their last frozen layer (default block_12_add); --recalibrate-batch-norms
 * re-estimates their batch-norm statistics on the tiles before training.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FsObjectStore } from '@linescope/storage';
import { evaluationSummary, train, type TrainResult } from '@linescope/training/engine';
import { saveModelArtifact } from '@linescope/vision/artifacts';
import { initBackend } from '@linescope/vision/backend';
import { exportNsfwjsMobileNet } from '@linescope/vision/pretrained';
import { textTable } from '../../apps/trainer/src/cli/report.tables';
import { benchRuns, RUN_IDS, type BenchRun, type RunId } from './bench.runs';

interface RunOutcome {
  run: BenchRun;
  metrics: Record<string, number>;
  result: TrainResult;
  wallSeconds: number;
  met: boolean | null;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string' },
      quick: { type: 'boolean' },
      epochs: { type: 'string' },
      'vit-epochs': { type: 'string' },
      'limit-per-class': { type: 'string' },
      size: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'string' },
      datasets: { type: 'string' },
      distill: { type: 'string' },
      'no-early-stopping': { type: 'boolean' },
      'freeze-up-to': { type: 'string' },
      'pretrained-dir': { type: 'string' },
      'recalibrate-batch-norms': { type: 'boolean' },
    },
  });
  const optionalNumber = (text: string | undefined) => (text === undefined ? undefined : Number(text));
  const selected = (values.runs?.split(',') ?? [...RUN_IDS]) as RunId[];
  const unknown = selected.filter((id) => !RUN_IDS.includes(id));
  if (unknown.length > 0)
    throw new Error(`unknown run(s) ${unknown.join(', ')}; known: ${RUN_IDS.join(', ')}`);
  const runs = benchRuns({
    quick: values.quick === true,
    epochs: optionalNumber(values.epochs),
    vitEpochs: optionalNumber(values['vit-epochs']),
    limitPerClass: optionalNumber(values['limit-per-class']),
    size: optionalNumber(values.size),
    seed: optionalNumber(values.seed) ?? 0,
    datasets: values.datasets,
    distill: values.distill === 'soft' ? 'soft' : 'hard',
    noEarlyStopping: values['no-early-stopping'] === true,
    freezeUpTo: values['freeze-up-to'],
    pretrainedDir:
      values['pretrained-dir'] === undefined ? undefined : path.resolve(values['pretrained-dir']),
    recalibrateBatchNorms: values['recalibrate-batch-norms'] === true,
  });
  // A distilled ViT needs its teacher's run even when only the ViT was asked for.
  const needed = new Set<RunId>(selected);
  for (const run of runs) if (needed.has(run.id) && run.teacherRun) needed.add(run.teacherRun);

  const backend = await initBackend({ logger: (line) => console.error(line) });
  const store = values.out ? new FsObjectStore(path.resolve(values.out)) : null;
  await store?.init();
  const outcomes = new Map<RunId, RunOutcome>();
  const metricsById = new Map<RunId, Record<string, number>>();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const exported = new Set<string>();

  for (const run of runs.filter((r) => needed.has(r.id))) {
    const teacher = run.teacherRun ? outcomes.get(run.teacherRun)?.result : undefined;
    if (run.nsfwjsExport && !exported.has(run.nsfwjsExport)) {
      await exportNsfwjsMobileNet(run.nsfwjsExport);
      exported.add(run.nsfwjsExport);
    }
    console.error(`\n=== ${run.id}: ${run.title}${teacher ? ` (teacher: ${run.teacherRun})` : ''}`);
    const started = Date.now();
    const result = await train(run.config, {
      hooks: { onLog: (line) => console.error(`[${run.id}] ${line}`) },
      ...(teacher
        ? {
            teacher: {
              model: teacher.model,
              preprocessing: teacher.preprocessing,
              id: `bench-${run.teacherRun}`,
            },
          }
        : {}),
    });
    const wallSeconds = (Date.now() - started) / 1000;
    const metrics = evaluationSummary(result.evaluation);
    metricsById.set(run.id, metrics);
    outcomes.set(run.id, { run, metrics, result, wallSeconds, met: run.meets(metrics, metricsById) });
    if (store) await saveModelArtifact(store, `bench/${stamp}/${run.id}`, result.model, result.manifest);
    console.error(`[${run.id}] ${JSON.stringify(metrics)}`);
    // The table so far, on stderr, so a long benchmark shows its results as they come.
    printTable([...outcomes.values()], backend, values.quick === true, (text) => console.error(text));
  }

  printTable(
    [...outcomes.values()].filter((o) => selected.includes(o.run.id)),
    backend,
    values.quick === true,
  );
  if (values.json) {
    const report = [...outcomes.values()].map((o) => ({
      id: o.run.id,
      goal: o.run.goal,
      met: o.met,
      wallSeconds: o.wallSeconds,
      metrics: o.metrics,
      history: o.result.history,
      findings: o.result.findings,
      config: o.result.config,
    }));
    await writeFile(values.json, `${JSON.stringify(report, null, 2)}\n`);
  }
  for (const o of outcomes.values()) o.result.model.dispose();
}

function printTable(
  outcomes: readonly RunOutcome[],
  backend: { name: string; threads: number },
  quick: boolean,
  print: (text: string) => void = (text) => console.log(text),
): void {
  const rows = outcomes.map((o) => {
    const m = o.metrics;
    const model = o.result.config.model;
    const arch =
      model.arch === 'resnet'
        ? `resnet${model.depth}w${model.width}`
        : model.arch === 'vit'
          ? `vit${model.depth}x${model.dim}/p${model.patchSize}`
          : `mobilenetv2x${model.alpha}`;
    const totals = o.result.splitStats.totals;
    return [
      o.run.id,
      `${arch}@${model.inputSize[0]}${o.result.config.fineTune.freezeUpTo ? ` frozen to ${o.result.config.fineTune.freezeUpTo}` : ''}`,
      `${totals.train}/${totals.validation}/${totals.test}`,
      `${o.result.history.length}${o.result.stopReason === 'early-stopped' ? '*' : ''}`,
      m.testTimeViews ?? 1,
      pct(m.accuracy),
      pct(m.singleViewAccuracy),
      pct(m.macroF1),
      m.rocAuc === undefined ? '-' : m.rocAuc.toFixed(4),
      m.singleViewRocAuc === undefined ? '-' : m.singleViewRocAuc.toFixed(4),
      m.testEscapeRate === undefined ? '-' : pct(m.testEscapeRate),
      m.testReviewRate === undefined ? '-' : pct(m.testReviewRate),
      o.wallSeconds.toFixed(0),
      o.run.goal,
      o.met === null ? '-' : o.met ? 'yes' : 'NO',
    ];
  });
  print(
    `\ntraining benchmark on ${backend.name} (${backend.threads} thread${backend.threads === 1 ? '' : 's'})${quick ? ', --quick' : ''}; * = early-stopped`,
  );
  print(
    textTable(
      [
        'run',
        'model',
        'train/val/test',
        'epochs',
        'views',
        'accuracy',
        'acc. 1 view',
        'macro F1',
        'ROC AUC',
        'AUC 1 view',
        'escape',
        'review',
        'wall s',
        'goal',
        'met',
      ],
      rows,
    ),
  );
}

function pct(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '-' : `${(value * 100).toFixed(2)}%`;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
