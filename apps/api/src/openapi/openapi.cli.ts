import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { offlineOpenApiDocument } from '@linescope/platform';
import { apiApp } from '../api.app';
import { generateWebSchema, WEB_SCHEMA_PATH } from './web-schema';

/**
 * `npm run openapi`: regenerates the web console's typed client schema from the API's controllers (`--stdout`:
 * prints it; `--json`: prints the OpenAPI document itself, as /api/docs.json serves it).
 */
async function main(): Promise<void> {
  const print = process.argv.includes('--json')
    ? async () => JSON.stringify(await offlineOpenApiDocument(apiApp), null, 2) + '\n'
    : process.argv.includes('--stdout')
      ? generateWebSchema
      : undefined;
  if (print) {
    const schema = await print();
    // Flushed before exiting: process.exit() would cut a piped write short.
    await new Promise<void>((resolve, reject) =>
      process.stdout.write(schema, (error) => (error ? reject(error) : resolve())),
    );
    return;
  }
  const target = path.resolve(process.cwd(), WEB_SCHEMA_PATH);
  await writeFile(target, await generateWebSchema());
  process.stdout.write(`wrote ${WEB_SCHEMA_PATH}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`openapi: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
