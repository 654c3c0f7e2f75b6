import { Injectable } from '@nestjs/common';
import { type NewUser, createUserWithToken, hashPassword, issueUserToken } from '@linescope/accounts';
import { AuditRepository, DatabaseTransactions, type UserEntity, UserRepository } from '@linescope/db';
import { randomBytes } from 'node:crypto';
import { type UserPrincipal } from '../auth/principals';
import {
  type CreateUserDto,
  type IssuedTokenDto,
  type TemporaryPasswordDto,
  type UpdateUserDto,
  type UserDto,
  mapUser,
} from '../dtos/user.dto';
import { ApiError } from '../errors/api-error';
import { isUniqueViolation } from '../errors/database-errors';
import { PeopleRepository } from '../repositories/people.repository';
import { SessionRepository } from '../repositories/session.repository';

/** 16 characters of base64url: 96 random bits, typed once by the person before they choose their own. */
function temporaryPassword(): string {
  return randomBytes(12).toString('base64url');
}

/**
 * People, their bearer tokens, and their administration (roles, disabling, password resets). The first admin is
 * made by the launcher on a fresh installation. Every change is audited in its own transaction.
 */
@Injectable()
export class UserService {
  constructor(
    private readonly transactions: DatabaseTransactions,
    private readonly people: PeopleRepository,
  ) {}

  async create(input: CreateUserDto, actorId: string | null): Promise<IssuedTokenDto> {
    const password = input.temporaryPassword ? temporaryPassword() : undefined;
    const user: NewUser = { email: input.email, displayName: input.displayName, role: input.role };
    if (password) user.temporaryPasswordHash = await hashPassword(password);
    try {
      const created = await createUserWithToken(this.transactions, user, actorId);
      return {
        user: mapUser(created.user),
        token: created.token,
        ...(password ? { temporaryPassword: password } : {}),
      };
    } catch (error) {
      if (isUniqueViolation(error))
        throw new ApiError(409, 'user_exists', `a user ${input.email} already exists`);
      throw error;
    }
  }

  async list(): Promise<UserDto[]> {
    return (await this.people.list()).map(mapUser);
  }

  async createToken(userId: string, name: string): Promise<IssuedTokenDto> {
    return this.transactions.run(async (tx) => {
      const users = tx.get(UserRepository);
      const user = await users.findEntity(userId);
      if (!user) throw new ApiError(404, 'user_not_found', `no user ${userId}`);
      return { user: mapUser(user), token: await issueUserToken(users, userId, name) };
    });
  }

  /**
   * Changes a person's role and/or disables or enables them. The product always keeps an enabled administrator
   * (409 last_admin). Disabling ends the person's sessions and revokes their bearer tokens in the same transaction.
   */
  async update(id: string, input: UpdateUserDto, actor: UserPrincipal): Promise<UserDto> {
    if (input.role === undefined && input.disabled === undefined)
      throw new ApiError(400, 'invalid_request', 'send role and/or disabled');
    return this.transactions.run(async (tx) => {
      const people = tx.get(PeopleRepository);
      const admins = await people.lockEnabledAdmins();
      const user = await people.lockById(id);
      if (!user) throw new ApiError(404, 'user_not_found', `no user ${id}`);
      const wasAdmin = user.role === 'admin' && user.disabledAt === null;
      const role = input.role ?? user.role;
      const disabled = input.disabled ?? user.disabledAt !== null;
      if (wasAdmin && (role !== 'admin' || disabled) && admins.filter((a) => a !== id).length === 0)
        throw new ApiError(
          409,
          'last_admin',
          user.id === actor.userId
            ? 'you are the only enabled administrator: make someone else an administrator first'
            : `${user.email} is the only enabled administrator: make someone else an administrator first`,
        );
      await people.update(id, { role: input.role, disabled: input.disabled });

      const audit = tx.get(AuditRepository);
      const event = (action: string, details: Record<string, unknown>) =>
        audit.append({
          actorType: 'user',
          actorId: actor.userId,
          action,
          targetType: 'user',
          targetId: id,
          details,
        });
      if (input.role !== undefined && input.role !== user.role)
        await event('user.role.change', { email: user.email, from: user.role, to: input.role });
      if (input.disabled === true && user.disabledAt === null) {
        const sessions = await tx.get(SessionRepository).revokeAll(id);
        const tokens = await people.revokeTokens(id);
        await event('user.disable', { email: user.email, sessionsEnded: sessions, tokensRevoked: tokens });
      }
      if (input.disabled === false && user.disabledAt !== null)
        await event('user.enable', { email: user.email });
      return mapUser((await people.lockById(id)) as UserEntity);
    });
  }

  /**
   * An administrator's password reset: a temporary password, answered once, that the person must change at the
   * next sign-in (until then their session may only change it). Their sessions end; bearer tokens are kept.
   */
  async resetPassword(id: string, actor: UserPrincipal): Promise<TemporaryPasswordDto> {
    const password = temporaryPassword();
    const hash = await hashPassword(password);
    return this.transactions.run(async (tx) => {
      const people = tx.get(PeopleRepository);
      const user = await people.lockById(id);
      if (!user) throw new ApiError(404, 'user_not_found', `no user ${id}`);
      await tx.get(UserRepository).setPassword(id, hash, true);
      const sessions = await tx.get(SessionRepository).revokeAll(id);
      await tx.get(AuditRepository).append({
        actorType: 'user',
        actorId: actor.userId,
        action: 'user.password.reset',
        targetType: 'user',
        targetId: id,
        details: { email: user.email, sessionsEnded: sessions },
      });
      return { user: mapUser((await people.lockById(id)) as UserEntity), temporaryPassword: password };
    });
  }
}
