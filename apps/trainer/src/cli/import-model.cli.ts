import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type CliIo } from './train.cli';

export const IMPORT_USAGE = `usage: LINESCOPE_TOKEN=<bearer token> npm run import-model -- --path <model folder> --name <name> [options]
  --path DIR         the folder \`npm run train\` wrote (<out>/objects/models/<name>), inside TRAINING_DATA_ROOTS
  --name NAME        the model version's name
  --api URL          the API (default http://127.0.0.1:3000)
  --token-file FILE  read the bearer token (ML engineer or admin) from FILE instead of LINESCOPE_TOKEN
  --no-wait          return once the import is queued, without following the job
  --timeout SECONDS  how long to follow the job (default 600)

The import goes through the API (POST /api/v1/models/import), so it is checked, audited and registered exactly as
one started from the console: a trainer verifies every file against the manifest and registers a candidate.
`;

export interface ImportCliOptions {
  api: string;
  token: string;
  path: string;
  name: string;
  wait: boolean;
  timeoutSeconds: number;
}

export class ImportUsageError extends Error {}

export function parseImportArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ImportCliOptions | null {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      path: { type: 'string' },
      name: { type: 'string' },
      api: { type: 'string', default: 'http://127.0.0.1:3000' },
      token: { type: 'string' },
      'token-file': { type: 'string' },
      'no-wait': { type: 'boolean', default: false },
      timeout: { type: 'string', default: '600' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return null;
  // npm prints a script's command line and `ps` shows it: a token there is a leaked token.
  if (values.token !== undefined)
    throw new ImportUsageError(
      '--token is not accepted: npm echoes the command line and the process list shows it; set LINESCOPE_TOKEN ' +
        'or use --token-file (and revoke a token that was typed on a command line)',
    );
  const token = values['token-file'] ? readTokenFile(values['token-file']) : env.LINESCOPE_TOKEN?.trim();
  if (!token)
    throw new ImportUsageError('a bearer token is required: set LINESCOPE_TOKEN or use --token-file');
  if (!values.path) throw new ImportUsageError('--path is required');
  if (!values.name?.trim()) throw new ImportUsageError('--name is required');
  const timeoutSeconds = Number(values.timeout);
  if (!(timeoutSeconds > 0)) throw new ImportUsageError('--timeout must be a positive number of seconds');
  return {
    api: values.api.replace(/\/$/, ''),
    token,
    // Relative to where the command runs, as a shell user expects; the API confines it to the training roots.
    path: path.resolve(values.path),
    name: values.name.trim(),
    wait: !values['no-wait'],
    timeoutSeconds,
  };
}

function readTokenFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ImportUsageError(
      `--token-file: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  const token = text.split('\n')[0].trim();
  if (!token) throw new ImportUsageError(`--token-file: ${file} is empty`);
  return token;
}

interface JobView {
  id: string;
  status: string;
  error: string | null;
  modelVersionId: string | null;
  logTail?: string;
}

const POLL_MS = 1_000;

/**
 * `import-model --path <folder> --name <name>`: asks the API to import a CLI-trained model folder and follows the
 * import job until the candidate is registered (exit 0) or the job fails (exit 1, with the reason).
 */
export async function runImportModelCli(
  argv: readonly string[],
  io: CliIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  let options: ImportCliOptions | null;
  try {
    options = parseImportArgs(argv, env);
  } catch (error) {
    if (
      error instanceof ImportUsageError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      io.stderr.write(`import-model: ${(error as Error).message}\n\n${IMPORT_USAGE}`);
      return 2;
    }
    throw error;
  }
  if (options === null) {
    io.stdout.write(IMPORT_USAGE);
    return 0;
  }
  const call = async (method: string, route: string, body?: unknown) => {
    const response = await fetch(`${options.api}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${options.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text for the message
    }
    return { status: response.status, body: parsed as Record<string, unknown> };
  };

  try {
    const created = await call('POST', '/api/v1/models/import', { path: options.path, name: options.name });
    if (created.status !== 201) {
      const { error, message } = created.body as { error?: string; message?: string };
      io.stderr.write(
        `import-model: refused (${created.status} ${error ?? ''}): ${message ?? JSON.stringify(created.body)}\n`,
      );
      return 1;
    }
    const jobId = String(created.body.id);
    io.stdout.write(`import job ${jobId} queued for ${options.path}\n`);
    if (!options.wait) return 0;

    const deadline = Date.now() + options.timeoutSeconds * 1000;
    let printed = 0;
    while (Date.now() < deadline) {
      if (io.signal?.aborted) {
        io.stderr.write(`import-model: stopped following job ${jobId}; it carries on in the trainer\n`);
        return 130;
      }
      const { status, body } = await call('GET', `/api/v1/training-jobs/${jobId}`);
      if (status !== 200) {
        io.stderr.write(`import-model: reading job ${jobId} answered ${status}\n`);
        return 1;
      }
      const job = body as unknown as JobView;
      const log = job.logTail ?? '';
      if (log.length > printed) {
        io.stdout.write(log.slice(printed));
        printed = log.length;
      }
      if (job.status === 'succeeded') {
        io.stdout.write(`registered as candidate model version ${job.modelVersionId} (${options.name})\n`);
        return 0;
      }
      if (job.status === 'failed' || job.status === 'cancelled') {
        io.stderr.write(`import-model: the import ${job.status}: ${job.error ?? 'no reason given'}\n`);
        return 1;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    io.stderr.write(
      `import-model: job ${jobId} did not finish within ${options.timeoutSeconds} s; it carries on\n`,
    );
    return 1;
  } catch (error) {
    io.stderr.write(
      `import-model: cannot reach the API at ${options.api}: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 1;
  }
}

if (require.main === module) {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  void runImportModelCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    signal: controller.signal,
  }).then((code) => {
    process.exitCode = code;
  });
}
