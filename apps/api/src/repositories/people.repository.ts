import { Injectable } from '@nestjs/common';
import { UserEntity, type UserRole } from '@linescope/db';
import { EntityManager } from 'typeorm';

/** People as administrators manage them: the list, role and disabled state, revoking their credentials. */
@Injectable()
export class PeopleRepository {
  constructor(private readonly db: EntityManager) {}

  list(): Promise<UserEntity[]> {
    return this.db.getRepository(UserEntity).find({ order: { email: 'ASC' } });
  }

  /** The user's row, locked until the transaction ends. */
  lockById(id: string): Promise<UserEntity | null> {
    return this.db
      .getRepository(UserEntity)
      .createQueryBuilder('u')
      .setLock('pessimistic_write')
      .where('u.id = :id', { id })
      .getOne();
  }

  /**
   * The ids of the enabled administrators, locked: two administrators demoting each other at once are
   * serialised here, so the second sees the first's change and the product keeps an administrator.
   */
  async lockEnabledAdmins(): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT id FROM users WHERE role = 'admin' AND disabled_at IS NULL ORDER BY id FOR UPDATE`,
    );
    return rows.map((row) => row.id);
  }

  async update(id: string, changes: { role?: UserRole; disabled?: boolean }): Promise<void> {
    await this.db.query(
      `UPDATE users
          SET role = coalesce($2::user_role, role),
              disabled_at = CASE WHEN $3::boolean IS NULL THEN disabled_at
                                 WHEN $3 THEN coalesce(disabled_at, now()) ELSE NULL END
        WHERE id = $1`,
      [id, changes.role ?? null, changes.disabled ?? null],
    );
  }

  /** Revokes every bearer token of the user still valid; returns how many. */
  async revokeTokens(userId: string): Promise<number> {
    const rows: { n: number }[] = await this.db.query(
      `WITH revoked AS (
         UPDATE user_api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL RETURNING id
       ) SELECT count(*)::int AS n FROM revoked`,
      [userId],
    );
    return rows[0].n;
  }
}
