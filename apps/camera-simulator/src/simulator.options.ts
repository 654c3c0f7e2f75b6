import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

export interface SimulatorOptions {
  api: string;
  key: string;
  folder: string;
  /** Images per second, sent open-loop (a slow answer does not slow the camera down). */
  rate: number;
  limit: number | undefined;
  okClasses: string[];
  /** How long to keep polling pending inspections for their verdict. */
  settleSeconds: number;
  seed: number;
}

const USAGE = `usage: LINESCOPE_CAMERA_KEY=<camera API key> npm run simulate -- --folder <dataset folder> [options]
  --api URL            the API (default http://127.0.0.1:3000)
  --key-file FILE      read the camera's API key from FILE instead of LINESCOPE_CAMERA_KEY
  --folder DIR         a <class>/<image> folder, e.g. ../shared/datasets/magnetic-tile
  --rate N             images per second (default 10)
  --limit N            stop after N images (default: the whole folder)
  --ok-class NAME      a class that means a good part (repeatable; default ok)
  --settle SECONDS     how long to wait for pending verdicts at the end (default 30)
  --seed N             order of the images (default 1)`;

export function parseSimulatorOptions(argv: string[], env: NodeJS.ProcessEnv): SimulatorOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      api: { type: 'string', default: 'http://127.0.0.1:3000' },
      key: { type: 'string' },
      'key-file': { type: 'string' },
      folder: { type: 'string' },
      rate: { type: 'string', default: '10' },
      limit: { type: 'string' },
      'ok-class': { type: 'string', multiple: true },
      settle: { type: 'string', default: '30' },
      seed: { type: 'string', default: '1' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) throw new UsageError(USAGE);
  // npm prints a script's command line, arguments included, and `ps` shows them: a key there is a leaked key.
  if (values.key !== undefined)
    throw new UsageError(
      '--key is not accepted: npm echoes the command line to the terminal and the process list shows it. ' +
        'Set LINESCOPE_CAMERA_KEY or use --key-file, and revoke a key that was typed on a command line.',
    );
  const key = values['key-file'] ? readKeyFile(values['key-file']) : env.LINESCOPE_CAMERA_KEY?.trim();
  if (!key)
    throw new UsageError(`a camera key is required: set LINESCOPE_CAMERA_KEY or use --key-file\n${USAGE}`);
  if (!values.folder) throw new UsageError(`--folder is required\n${USAGE}`);
  const rate = Number(values.rate);
  if (!(rate > 0)) throw new UsageError('--rate must be a positive number');
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0))
    throw new UsageError('--limit must be a positive integer');
  return {
    api: values.api.replace(/\/$/, ''),
    key,
    folder: values.folder,
    rate,
    limit,
    okClasses: values['ok-class'] ?? ['ok'],
    settleSeconds: Number(values.settle),
    seed: Number(values.seed),
  };
}

function readKeyFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `--key-file: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  const key = text.split('\n')[0].trim();
  if (!key) throw new UsageError(`--key-file: ${file} is empty`);
  return key;
}

export class UsageError extends Error {}
