import { Inject, Injectable } from '@nestjs/common';
import { UNUSABLE_PASSWORD_HASH, hashPassword, hashSecret, verifyPassword } from '@linescope/accounts';
import { type AppConfig } from '@linescope/config';
import { APP_CONFIG } from '@linescope/platform';
import { randomBytes } from 'node:crypto';
import { type UserPrincipal } from '../auth/principals';
import { type MeDto, type SessionDto, mapMe } from '../dtos/auth.dto';
import { ApiError } from '../errors/api-error';
import { LoginFailureRepository, type LockoutRule } from '../repositories/login-failure.repository';
import { type ActiveSession, SessionRepository } from '../repositories/session.repository';
import { UserRepository } from '../repositories/user.repository';

/** 5 failures for one email, or 20 from one address, within 15 minutes lock sign-in out. */
export const LOCKOUT: LockoutRule = { windowSeconds: 15 * 60, maxPerEmail: 5, maxPerIp: 20 };
/** Sessions are touched at most this often (and at least 20 times per idle period). */
const TOUCH_EVERY_MS = 60_000;

export interface SignIn {
  session: SessionDto;
  /** The cookie value: shown to the browser only, stored as a hash. */
  token: string;
  maxAgeSeconds: number;
}

/** Sign-in for people: passwords, cookie sessions, lock-out. */
@Injectable()
export class AuthService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UserRepository,
    private readonly sessions: SessionRepository,
    private readonly failures: LoginFailureRepository,
  ) {}

  async login(emailInput: string, password: string, ip: string): Promise<SignIn> {
    const email = emailInput.trim().toLowerCase();
    const wait = await this.failures.retryAfterSeconds(email, ip, LOCKOUT);
    if (wait !== null)
      throw new ApiError(429, 'too_many_attempts', `too many failed sign-ins; retry in ${wait} s`, {
        retryAfterSeconds: wait,
      });
    const user = await this.users.findByEmail(email);
    // Verify even without a user, so the answer's timing does not tell whether the email exists.
    const matches = await verifyPassword(password, user?.passwordHash ?? UNUSABLE_PASSWORD_HASH);
    if (!user || !user.passwordHash || !matches || user.disabled) {
      await this.failures.record(email, ip);
      throw new ApiError(401, 'invalid_credentials', 'the email or the password is wrong');
    }
    await this.failures.clear(email);
    await this.users.recordSignIn(user.id);
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(32).toString('base64url');
    const created = await this.sessions.create({
      userId: user.id,
      tokenHash: hashSecret(token),
      csrfToken,
      maxHours: this.config.console.sessionMaxHours,
    });
    return {
      session: {
        user: mapMe(user),
        csrfToken,
        expiresAt: this.expiresAt({ lastSeenAt: created.createdAt, expiresAt: created.expiresAt }),
      },
      token,
      maxAgeSeconds: this.config.console.sessionMaxHours * 3600,
    };
  }

  /** The active session of a cookie (touched, so it stays alive while used), or null. */
  async authenticate(token: string): Promise<ActiveSession | null> {
    const session = await this.sessions.findActive(hashSecret(token), this.config.console.sessionIdleHours);
    if (!session) return null;
    if (Date.now() - session.lastSeenAt.getTime() > Math.min(TOUCH_EVERY_MS, this.idleMs() / 20)) {
      await this.sessions.touch(session.id);
      session.lastSeenAt = new Date();
    }
    return session;
  }

  async session(token: string | undefined): Promise<SessionDto> {
    const session = token ? await this.authenticate(token) : null;
    if (!session) throw new ApiError(401, 'unauthenticated', 'not signed in, or the session has ended');
    return { user: mapMe(session.user), csrfToken: session.csrfToken, expiresAt: this.expiresAt(session) };
  }

  async logout(principal: UserPrincipal): Promise<void> {
    if (principal.sessionId) await this.sessions.revoke(principal.sessionId);
  }

  async me(userId: string): Promise<MeDto> {
    const user = await this.users.findById(userId);
    if (!user) throw new ApiError(404, 'user_not_found', `no user ${userId}`);
    return mapMe(user);
  }

  /**
   * Sets the caller's own password. With a bearer token (the first admin's setup token) no current password is
   * needed; with a session it is, when one exists. Every other session of the user ends.
   */
  async changePassword(principal: UserPrincipal, current: string | undefined, next: string): Promise<MeDto> {
    const user = await this.users.findById(principal.userId);
    if (!user) throw new ApiError(404, 'user_not_found', `no user ${principal.userId}`);
    if (principal.sessionId && user.passwordHash) {
      if (current === undefined)
        throw new ApiError(400, 'current_password_required', 'send currentPassword to change your password');
      if (!(await verifyPassword(current, user.passwordHash)))
        throw new ApiError(403, 'invalid_credentials', 'the current password is wrong');
    }
    await this.users.setPassword(user.id, await hashPassword(next));
    await this.sessions.revokeOthers(user.id, principal.sessionId ?? null);
    return mapMe({ ...user, mustChangePassword: false });
  }

  /** The earlier of the absolute expiry and the idle expiry as of the last use. */
  private expiresAt(session: { lastSeenAt: Date; expiresAt: Date }): string {
    const idleEnd = session.lastSeenAt.getTime() + this.idleMs();
    return new Date(Math.min(idleEnd, session.expiresAt.getTime())).toISOString();
  }

  private idleMs(): number {
    return this.config.console.sessionIdleHours * 3600 * 1000;
  }
}
