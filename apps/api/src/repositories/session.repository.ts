import { Injectable } from '@nestjs/common';
import { type UserRole } from '@linescope/db';
import { EntityManager } from 'typeorm';

export interface SessionUser {
  id: string;
  email: string;
  displayName: string;
  role: UserRole;
  mustChangePassword: boolean;
}

export interface ActiveSession {
  id: string;
  csrfToken: string;
  lastSeenAt: Date;
  /** The absolute expiry; the idle expiry is lastSeenAt + SESSION_IDLE_HOURS. */
  expiresAt: Date;
  user: SessionUser;
}

interface SessionRow {
  id: string;
  csrf_token: string;
  last_seen_at: Date;
  expires_at: Date;
  user_id: string;
  email: string;
  display_name: string;
  role: UserRole;
  password_must_change: boolean;
}

/** Console sign-in sessions: only the sha256 of the cookie is stored. */
@Injectable()
export class SessionRepository {
  constructor(private readonly db: EntityManager) {}

  async create(input: {
    userId: string;
    tokenHash: string;
    csrfToken: string;
    maxHours: number;
  }): Promise<{ id: string; createdAt: Date; expiresAt: Date }> {
    const rows: { id: string; created_at: Date; expires_at: Date }[] = await this.db.query(
      `INSERT INTO user_sessions (user_id, token_hash, csrf_token, expires_at)
       VALUES ($1, $2, $3, now() + $4 * interval '1 hour')
       RETURNING id, created_at, expires_at`,
      [input.userId, input.tokenHash, input.csrfToken, input.maxHours],
    );
    return { id: rows[0].id, createdAt: rows[0].created_at, expiresAt: rows[0].expires_at };
  }

  /** The session of a cookie if it is neither revoked, past its absolute expiry, idle too long, nor its user disabled. */
  async findActive(tokenHash: string, idleHours: number): Promise<ActiveSession | null> {
    const rows: SessionRow[] = await this.db.query(
      `SELECT s.id, s.csrf_token, s.last_seen_at, s.expires_at,
              u.id AS user_id, u.email, u.display_name, u.role, u.password_must_change
         FROM user_sessions s JOIN users u ON u.id = s.user_id
        WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now()
          AND s.last_seen_at > now() - $2 * interval '1 hour' AND u.disabled_at IS NULL`,
      [tokenHash, idleHours],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      id: row.id,
      csrfToken: row.csrf_token,
      lastSeenAt: row.last_seen_at,
      expiresAt: row.expires_at,
      user: {
        id: row.user_id,
        email: row.email,
        displayName: row.display_name,
        role: row.role,
        mustChangePassword: row.password_must_change,
      },
    };
  }

  async touch(id: string): Promise<void> {
    await this.db.query(`UPDATE user_sessions SET last_seen_at = now() WHERE id = $1`, [id]);
  }

  async revoke(id: string): Promise<void> {
    await this.db.query(`UPDATE user_sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, [
      id,
    ]);
  }

  /** Ends every session of a user but one (after a password change). */
  async revokeOthers(userId: string, keepId: string | null): Promise<void> {
    await this.db.query(
      `UPDATE user_sessions SET revoked_at = now()
        WHERE user_id = $1 AND revoked_at IS NULL AND id IS DISTINCT FROM $2`,
      [userId, keepId],
    );
  }

  /** Ends every session of a user (disabled, or the password reset by an administrator). */
  async revokeAll(userId: string): Promise<number> {
    const rows: { n: number }[] = await this.db.query(
      `WITH revoked AS (
         UPDATE user_sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL RETURNING id
       ) SELECT count(*)::int AS n FROM revoked`,
      [userId],
    );
    return rows[0].n;
  }

  /** Sessions ended more than a day ago are of no further use. */
  async prune(): Promise<number> {
    const rows: unknown[] = await this.db.query(
      `DELETE FROM user_sessions
        WHERE expires_at < now() - interval '1 day' OR revoked_at < now() - interval '1 day'
        RETURNING id`,
    );
    return rows.length;
  }
}
