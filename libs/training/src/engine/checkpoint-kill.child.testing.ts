/**
 * Child process of the kill-and-resume test: trains with checkpoints into the FsObjectStore at
 * LINESCOPE_CHECKPOINT_ROOT and prints `checkpoint <epoch>` after each one, until its parent kills it.
 */
import { FsObjectStore } from '@linescope/storage';
import { initBackend } from '@linescope/vision/backend';
import { train } from './training.engine';

async function main(): Promise<void> {
  await initBackend({ preferred: 'wasm', logger: () => undefined });
  const store = new FsObjectStore(process.env.LINESCOPE_CHECKPOINT_ROOT ?? '');
  await store.init();
  await train(JSON.parse(process.env.LINESCOPE_TRAIN_CONFIG ?? '{}'), {
    checkpoint: { store, prefix: 'jobs/killed' },
    hooks: { onCheckpoint: ({ epoch }) => void process.stdout.write(`checkpoint ${epoch}\n`) },
  });
  process.stdout.write('finished\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
