import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseImportArgs, runImportModelCli } from './import-model.cli';

function capture() {
  const chunks: string[] = [];
  return { stream: { write: (text: string) => chunks.push(text) }, text: () => chunks.join('') };
}

async function run(argv: string[], env: NodeJS.ProcessEnv) {
  const stdout = capture();
  const stderr = capture();
  const code = await runImportModelCli(argv, { stdout: stdout.stream, stderr: stderr.stream }, env);
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

const TOKEN = { LINESCOPE_TOKEN: 'lst_example' };

describe('import-model CLI arguments', () => {
  it('takes the token from the environment or a file, never the command line', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ls-import-cli-'));
    try {
      await writeFile(path.join(dir, 'token'), 'lst_from_file\n');
      expect(
        parseImportArgs(['--path', 'runs/m', '--name', 'm', '--token-file', path.join(dir, 'token')], {}),
      ).toMatchObject({ token: 'lst_from_file', path: path.resolve('runs/m'), name: 'm', wait: true });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const typed = await run(['--path', 'x', '--name', 'm', '--token', 'lst_secret'], {});
    expect(typed.code).toBe(2);
    expect(typed.stderr).toContain('--token is not accepted');
    expect((await run(['--path', 'x', '--name', 'm'], {})).stderr).toContain('a bearer token is required');
  });

  it('needs a path and a name, and explains itself', async () => {
    expect(await run(['--name', 'm'], TOKEN)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--path is required'),
    });
    expect(await run(['--path', 'x', '--name', ' '], TOKEN)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--name is required'),
    });
    expect(await run(['--path', 'x', '--bogus'], TOKEN)).toMatchObject({ code: 2 });
    const help = await run(['--help'], {});
    expect(help).toMatchObject({ code: 0, stdout: expect.stringContaining('POST /api/v1/models/import') });
    expect(
      parseImportArgs(['--path', '/m', '--name', 'm', '--no-wait', '--api', 'http://h:1/'], TOKEN),
    ).toMatchObject({ api: 'http://h:1', wait: false });
  });

  it('says so when the API cannot be reached', async () => {
    const result = await run(['--path', '/m', '--name', 'm', '--api', 'http://127.0.0.1:9'], TOKEN);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot reach the API at http://127.0.0.1:9');
  });
});
