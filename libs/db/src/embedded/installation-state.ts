import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * What makes an embedded database this installation's own, kept in the data folder (mode 0600): the login made at
 * first start, the port it was given, the folder of the cluster and the cluster's PostgreSQL system identifier.
 */
export interface InstallationDatabase {
  user: string;
  password: string;
  port: number;
  clusterDir: string;
  /** `pg_control_system().system_identifier`, recorded at init: the apps refuse a server that reports another. */
  systemIdentifier?: string;
}

export const STATE_FILE = 'embedded-database.json';

export function stateFile(dataDir: string): string {
  return path.join(path.resolve(dataDir), STATE_FILE);
}

export async function readInstallationDatabase(dataDir: string): Promise<InstallationDatabase | null> {
  let text: string;
  try {
    text = await readFile(stateFile(dataDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<InstallationDatabase>;
  if (!parsed.user || !parsed.password || !parsed.port || !parsed.clusterDir)
    throw new Error(
      `${stateFile(dataDir)} is incomplete: restore it from a backup or remove the data folder`,
    );
  return parsed as InstallationDatabase;
}

/** Written to a temporary file and renamed, so a crash never leaves half a file. */
export async function writeInstallationDatabase(dataDir: string, state: InstallationDatabase): Promise<void> {
  const file = stateFile(dataDir);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  await rename(tmp, file);
}

export function newPassword(): string {
  return randomBytes(24).toString('base64url');
}

export function databaseUrl(state: InstallationDatabase, database: string): string {
  return `postgresql://${state.user}:${encodeURIComponent(state.password)}@127.0.0.1:${state.port}/${database}`;
}
