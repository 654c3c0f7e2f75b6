import { randomUUID } from 'node:crypto';
import { open } from 'node:fs/promises';
import { createServer } from 'node:http';
import path from 'node:path';

/**
 * The baseline: a bare HTTP handler that writes each body durably to disk (write + fsync) and answers 201.
 * Usage: node bare-server.js <folder> ; prints the port on stdout.
 */
const folder = process.argv[2];
const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    void (async () => {
      const id = randomUUID();
      const handle = await open(path.join(folder, `${id}.bin`), 'w');
      await handle.writeFile(Buffer.concat(chunks));
      await handle.sync();
      await handle.close();
      response.writeHead(201, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ id }));
    })();
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
