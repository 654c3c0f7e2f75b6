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

const USAGE = `usage: npm run simulate -- --key <camera API key> --folder <dataset folder> [options]
  --api URL            the API (default http://127.0.0.1:3000)
  --key KEY            the camera's API key (or LINESCOPE_CAMERA_KEY)
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
  const key = values.key ?? env.LINESCOPE_CAMERA_KEY;
  if (!key) throw new UsageError(`--key is required\n${USAGE}`);
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

export class UsageError extends Error {}
