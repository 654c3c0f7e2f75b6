import { loadConfig } from '@linescope/config';
import {
  assertServerIdentity,
  createDataSource,
  DatabaseTransactions,
  describeDatabaseError,
  migrateUp,
  startEmbeddedPostgres,
  USER_ROLES,
  type UserRole,
  UserRepository,
} from '@linescope/db';
import { parseArgs } from 'node:util';
import { createUserWithToken } from '../user-accounts';

const USAGE = `usage: npm run create-admin -- --email <address> [--role ${USER_ROLES.join('|')}] [--name <display name>]`;

class UsageError extends Error {}

interface Request {
  email: string;
  role: UserRole;
  displayName: string;
}

function parse(argv: string[]): Request {
  let values: { email?: string; role?: string; name?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        email: { type: 'string' },
        role: { type: 'string', default: 'admin' },
        name: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]}; ${USAGE}`);
  }
  if (values.help) throw new UsageError(USAGE);
  const email = values.email?.trim().toLowerCase();
  if (!email || !/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 254)
    throw new UsageError(`--email must be an e-mail address; ${USAGE}`);
  const role = values.role as UserRole;
  if (!USER_ROLES.includes(role))
    throw new UsageError(`--role must be one of ${USER_ROLES.join(', ')}; ${USAGE}`);
  const displayName = values.name?.trim() || email.split('@')[0];
  if ([...displayName].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f))
    throw new UsageError('--name must not contain control characters');
  return { email, role, displayName };
}

/**
 * `npm run create-admin -- --email a@b --role admin`: creates a person and prints their bearer token once, on
 * stdout. The supported way in for any deployment (compose, Kubernetes, one box): it needs only DATABASE_URL (or,
 * on the one-box install, this installation's embedded database) and applies pending migrations first.
 */
async function main(argv: string[]): Promise<void> {
  const request = parse(argv);
  const config = loadConfig();
  const embedded = config.database.url ? undefined : await startEmbeddedPostgres({ dataDir: config.dataDir });
  const url = config.database.url ?? embedded!.url;
  const systemIdentifier = config.database.systemIdentifier ?? embedded?.systemIdentifier;
  const dataSource = createDataSource({
    url,
    poolSize: 2,
    applicationName: 'linescope-create-admin',
    verifyConnection: systemIdentifier
      ? (client) => assertServerIdentity(client, systemIdentifier)
      : undefined,
  });
  try {
    await dataSource.initialize().catch((error: unknown) => {
      throw new Error(describeDatabaseError(url, error));
    });
    await migrateUp(dataSource);
    const transactions = new DatabaseTransactions(dataSource);
    if (await transactions.run((tx) => tx.get(UserRepository).findByEmail(request.email)))
      throw new Error(`a user with e-mail ${request.email} already exists`);
    const { user, token } = await createUserWithToken(transactions, request, null);
    process.stderr.write(
      `created ${user.role} ${user.email} (${user.id}); the bearer token below is shown once:\n`,
    );
    process.stdout.write(`${token}\n`);
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await embedded?.stop();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(
    `create-admin: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}\n`,
  );
  process.exit(error instanceof UsageError ? 2 : 1);
});
