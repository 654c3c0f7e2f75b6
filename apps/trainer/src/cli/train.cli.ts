import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { FsObjectStore } from '@linescope/storage';
import { train, TrainingCancelledError, type TrainDeps } from '@linescope/training/engine';
import { loadModelFolder, saveModelArtifact } from '@linescope/vision/artifacts';
import { initBackend } from '@linescope/vision/backend';
import { configFileOf, CliUsageError, parseTrainArgs, USAGE } from './train.args';
import { createProgressWriter } from './progress.bar';
import { evaluationReport, findingsTable } from './report.tables';

export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  /** Cancels the run (Ctrl-C); the last checkpoint stays for a resume with the same --name. */
  signal?: AbortSignal;
}

/**
 * `train --data <folder> ...`: trains one model with live progress (a bar on a terminal, plain lines
 * otherwise), prints the checklist findings and the evaluation, and saves the artifact with its resolved config,
 * evaluation, findings, history and charts under `<out>/models/<name>/`. Returns the exit code.
 */
export async function runTrainCli(argv: readonly string[], io: CliIo): Promise<number> {
  let options;
  try {
    const configFile = configFileOf(argv);
    const base = configFile
      ? (JSON.parse(await readFile(configFile, 'utf8')) as Record<string, unknown>)
      : {};
    options = parseTrainArgs(argv, base);
  } catch (error) {
    if (error instanceof CliUsageError || error instanceof SyntaxError) {
      io.stderr.write(`train: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
  if (options === null) {
    io.stdout.write(USAGE);
    return 0;
  }

  const progress = createProgressWriter(io.stderr);
  const say = (text: string): void => (options.quiet ? undefined : progress.line(text));
  const backend = await initBackend({ preferred: options.backend, logger: say });
  const store = new FsObjectStore(path.resolve(options.out));
  await store.init();
  const prefix = `models/${options.name}/`;
  if (await store.exists(`${prefix}manifest.json`)) {
    io.stderr.write(
      `train: ${path.join(options.out, prefix)} already holds a model; choose another --name\n`,
    );
    return 2;
  }

  const deps: TrainDeps = {
    hooks: {
      onProgress: (p) => (options.quiet ? undefined : progress.progress(p)),
      onLog: say,
      shouldStop: () => io.signal?.aborted ?? false,
    },
    progressIntervalMs: io.stderr.isTTY ? 250 : 1000,
    ...(options.checkpoints ? { checkpoint: { store, prefix: `checkpoints/${options.name}` } } : {}),
  };
  if (options.teacher) {
    const folder = path.resolve(options.teacher);
    const { model, manifest } = await loadModelFolder(folder);
    deps.teacher = { model, preprocessing: manifest.preprocessing, id: path.basename(folder) };
    say(
      `teacher: ${folder} (${String(manifest.architecture.arch)}, classes ${manifest.classNames.join(', ')})`,
    );
  }

  try {
    const started = Date.now();
    const result = await train(options.config, deps);
    progress.done();
    const manifest = await saveModelArtifact(store, prefix, result.model, result.manifest);
    const json = (value: unknown) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
    await store.put(`${prefix}training-config.json`, json(result.config), {
      contentType: 'application/json',
    });
    await store.put(`${prefix}evaluation.json`, json(result.evaluation), { contentType: 'application/json' });
    await store.put(`${prefix}findings.json`, json(result.findings), { contentType: 'application/json' });
    await store.put(`${prefix}history.json`, json(result.history), { contentType: 'application/json' });
    await store.put(`${prefix}split.json`, json(result.split), { contentType: 'application/json' });
    for (const [name, png] of Object.entries(result.charts) as [string, Buffer | null][]) {
      if (png) await store.put(`${prefix}charts/${name}.png`, png, { contentType: 'image/png' });
    }
    result.model.dispose();

    const out = io.stdout;
    out.write(`\nchecklist\n${findingsTable(result.findings)}\n`);
    out.write(`\nevaluation on the test split\n${evaluationReport(result.evaluation, result.classNames)}\n`);
    out.write(
      `\n${result.history.length} epochs (${result.stopReason}${result.bestEpoch ? `, best epoch ${result.bestEpoch}` : ''}) on ${backend.name} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
    out.write(
      `model saved as ${prefix} in the object store at ${path.resolve(options.out)} (${manifest.files.weights[0].bytes} bytes of weights, dataset ${result.fingerprint.sha256.slice(0, 12)})\n`,
    );
    return 0;
  } catch (error) {
    progress.done();
    if (error instanceof TrainingCancelledError) {
      io.stderr.write(`train: ${error.message}; run it again with --name ${options.name} to resume\n`);
      return 130;
    }
    io.stderr.write(`train: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    deps.teacher?.model.dispose();
  }
}

if (require.main === module) {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  void runTrainCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    signal: controller.signal,
  }).then((code) => {
    process.exitCode = code;
  });
}
