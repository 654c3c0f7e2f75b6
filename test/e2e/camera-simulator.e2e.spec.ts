import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { datasetImages } from '../support/datasets';
import { builtEntry, runNode } from '../support/processes';

const KEY = `lsk_${randomUUID().replace(/-/g, '')}`;

/** An HTTP server standing in for the API: answers `answered` uploads, then closes while the camera streams. */
function apiThatGoesAway(answered: number): Promise<{ server: Server; url: string; keys: string[] }> {
  const keys: string[] = [];
  let count = 0;
  const server = createServer((request: IncomingMessage, response) => {
    keys.push(String(request.headers['x-api-key']));
    request.resume();
    request.on('end', () => {
      count++;
      response.writeHead(count % 2 ? 201 : 202, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify(
          count % 2
            ? { id: randomUUID(), status: 'scored', verdict: 'ok' }
            : { id: randomUUID(), status: 'pending' },
        ),
      );
      if (count === answered) {
        server.close();
        server.closeAllConnections();
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, keys }),
    ),
  );
}

describe('camera simulator (the built command)', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'linescope-simulate-'));
    for (const className of ['ok', 'crack']) {
      await mkdir(path.join(folder, 'images', className), { recursive: true });
      for (const image of datasetImages('magnetic-tile', className, 30))
        await writeFile(path.join(folder, 'images', className, image.name), image.bytes);
    }
    await writeFile(path.join(folder, 'camera.key'), `${KEY}\n`);
  });
  afterAll(async () => rm(folder, { recursive: true, force: true }));

  it('stops with a clear message and still prints its summary when the API goes away mid-run', async () => {
    const api = await apiThatGoesAway(4);
    const run = runNode(builtEntry('camera-simulator'), {}, [
      '--api',
      api.url,
      '--key-file',
      path.join(folder, 'camera.key'),
      '--folder',
      path.join(folder, 'images'),
      '--rate',
      '10',
    ]);
    const finished = await run.exited;
    expect(finished.code).toBe(1);
    const stopped = new RegExp(
      `simulate: stopped: the API at ${api.url} stopped answering \\(connect ECONNREFUSED 127\\.0\\.0\\.1:\\d+\\); (\\d+) images not sent`,
    ).exec(finished.stderr);
    expect(stopped).not.toBeNull();
    // It stopped a few uploads after the API went away, instead of sending the other 50-odd images into the void.
    expect(Number(stopped?.[1])).toBeGreaterThan(45);
    expect(finished.stderr).not.toContain('fetch failed');
    expect(finished.stdout).toMatch(/\| images sent \| [4-9] /);
    expect(finished.stdout).toMatch(/\| accepted \/ rejected \/ no answer \| 4 \/ 0 \/ [3-5] \|/);
    expect(api.keys.slice(0, 4)).toEqual([KEY, KEY, KEY, KEY]);
    expect(finished.stdout + finished.stderr).not.toContain(KEY);
  }, 30_000);

  it('refuses a key on the command line, without repeating it', async () => {
    const finished = await runNode(builtEntry('camera-simulator'), {}, [
      '--key',
      KEY,
      '--folder',
      path.join(folder, 'images'),
    ]).exited;
    expect(finished.code).toBe(2);
    expect(finished.stderr).toMatch(
      /--key is not accepted: npm echoes the command line.*LINESCOPE_CAMERA_KEY/,
    );
    expect(finished.stdout + finished.stderr).not.toContain(KEY);
  }, 30_000);
});
