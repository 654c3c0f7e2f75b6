import { AuditEventEntity, UserApiTokenEntity, UserEntity, type UserRole } from '@linescope/db';
import { type DataSource, type EntityManager } from 'typeorm';
import { USER_TOKEN_PREFIX, issueSecret } from './secret-token';

export interface NewUser {
  email: string;
  displayName: string;
  role: UserRole;
}

/** Issues a bearer token for a user and stores only its hash. Returns the token, to be shown once. */
export async function issueUserToken(manager: EntityManager, userId: string, name: string): Promise<string> {
  const secret = issueSecret(USER_TOKEN_PREFIX);
  await manager
    .getRepository(UserApiTokenEntity)
    .insert({ userId, name, tokenHash: secret.hash, tokenPrefix: secret.displayPrefix });
  return secret.secret;
}

/** Creates a user with a first token, audited, in one transaction. A duplicate email throws a unique violation. */
export async function createUserWithToken(
  dataSource: DataSource,
  input: NewUser,
  actorId: string | null,
): Promise<{ user: UserEntity; token: string }> {
  return dataSource.transaction(async (manager) => {
    const user = await manager.getRepository(UserEntity).save({ ...input, email: input.email.toLowerCase() });
    const token = await issueUserToken(manager, user.id, 'initial');
    await manager.getRepository(AuditEventEntity).insert({
      actorType: actorId ? 'user' : 'system',
      actorId,
      action: 'user.create',
      targetType: 'user',
      targetId: user.id,
      details: { email: user.email, role: user.role },
    });
    return { user, token };
  });
}

/** On a fresh installation (no user at all) makes the first admin; returns its token, or null if users exist. */
export async function bootstrapFirstAdmin(dataSource: DataSource): Promise<string | null> {
  const count = await dataSource.getRepository(UserEntity).count();
  if (count > 0) return null;
  const { token } = await createUserWithToken(
    dataSource,
    { email: 'admin@localhost', displayName: 'First administrator', role: 'admin' },
    null,
  );
  return token;
}
