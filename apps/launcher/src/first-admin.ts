import { bootstrapFirstAdmin } from '@linescope/accounts';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type DatabaseTransactions } from '@linescope/db';

/** On a fresh installation, creates the first admin and writes its bearer token (mode 0600) into the data folder. */
export async function writeFirstAdminToken(
  transactions: DatabaseTransactions,
  dataDir: string,
): Promise<string | null> {
  const token = await bootstrapFirstAdmin(transactions);
  if (!token) return null;
  const file = path.join(dataDir, 'initial-admin-token');
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, token + '\n', { mode: 0o600 });
  return file;
}
