import {
  AuditRepository,
  type DatabaseTransactions,
  type UserEntity,
  UserRepository,
  type UserRole,
} from '@linescope/db';
import { USER_TOKEN_PREFIX, issueSecret } from './secret-token';

export interface NewUser {
  email: string;
  displayName: string;
  role: UserRole;
  /** A temporary password's hash: the person signs in with it once and must then choose their own. */
  temporaryPasswordHash?: string;
}

/** Issues a bearer token for a user and stores only its hash. Returns the token, to be shown once. */
export async function issueUserToken(users: UserRepository, userId: string, name: string): Promise<string> {
  const secret = issueSecret(USER_TOKEN_PREFIX);
  await users.insertToken({ userId, name, tokenHash: secret.hash, tokenPrefix: secret.displayPrefix });
  return secret.secret;
}

/** Creates a user with a first token, audited, in one transaction. A duplicate email throws a unique violation. */
export async function createUserWithToken(
  transactions: DatabaseTransactions,
  input: NewUser,
  actorId: string | null,
): Promise<{ user: UserEntity; token: string }> {
  return transactions.run(async (tx) => {
    const users = tx.get(UserRepository);
    const user = await users.create({ ...input, email: input.email.toLowerCase() });
    const token = await issueUserToken(users, user.id, 'initial');
    await tx.get(AuditRepository).append({
      actorType: actorId ? 'user' : 'system',
      actorId,
      action: 'user.create',
      targetType: 'user',
      targetId: user.id,
      details: {
        email: user.email,
        role: user.role,
        temporaryPassword: Boolean(input.temporaryPasswordHash),
      },
    });
    return { user, token };
  });
}

/** On a fresh installation (no user at all) makes the first admin; returns its token, or null if users exist. */
export async function bootstrapFirstAdmin(transactions: DatabaseTransactions): Promise<string | null> {
  const count = await transactions.run((tx) => tx.get(UserRepository).count());
  if (count > 0) return null;
  const { token } = await createUserWithToken(
    transactions,
    { email: 'admin@localhost', displayName: 'First administrator', role: 'admin' },
    null,
  );
  return token;
}
