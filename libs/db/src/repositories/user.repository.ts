import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { type UserRole } from '../entities/enums';
import { UserApiTokenEntity } from '../entities/user-api-token.entity';
import { UserEntity } from '../entities/user.entity';

export interface UserRecord {
  id: string;
  email: string;
  displayName: string;
  role: UserRole;
  passwordHash: string | null;
  disabled: boolean;
  /** The password was set by an administrator (a reset) and must be changed before anything else. */
  mustChangePassword: boolean;
}

export interface NewUserRow {
  email: string;
  displayName: string;
  role: UserRole;
  /** A temporary password (set by an administrator), to be changed at the first sign-in. */
  temporaryPasswordHash?: string;
}

export type NewUserToken = Pick<UserApiTokenEntity, 'userId' | 'name' | 'tokenHash' | 'tokenPrefix'>;

interface UserRow {
  id: string;
  email: string;
  display_name: string;
  role: UserRole;
  password_hash: string | null;
  disabled_at: Date | null;
  password_must_change: boolean;
}

const COLUMNS = 'id, email, display_name, role, password_hash, disabled_at, password_must_change';

function toRecord(row: UserRow | undefined): UserRecord | null {
  return row
    ? {
        id: row.id,
        email: row.email,
        displayName: row.display_name,
        role: row.role,
        passwordHash: row.password_hash,
        disabled: row.disabled_at !== null,
        mustChangePassword: row.password_must_change,
      }
    : null;
}

/** People and their bearer tokens (stored as hashes), as accounts, the sign-in and the console use them. */
@Injectable()
export class UserRepository {
  constructor(private readonly db: EntityManager) {}

  /** A duplicate email throws a unique violation. */
  create({ temporaryPasswordHash, ...user }: NewUserRow): Promise<UserEntity> {
    return this.db.getRepository(UserEntity).save({
      ...user,
      ...(temporaryPasswordHash ? { passwordHash: temporaryPasswordHash, passwordMustChange: true } : {}),
    });
  }

  count(): Promise<number> {
    return this.db.getRepository(UserEntity).count();
  }

  findEntity(id: string): Promise<UserEntity | null> {
    return this.db.getRepository(UserEntity).findOneBy({ id });
  }

  async findByEmail(email: string): Promise<UserRecord | null> {
    const rows: UserRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM users WHERE lower(email) = lower($1)`,
      [email],
    );
    return toRecord(rows[0]);
  }

  async findById(id: string): Promise<UserRecord | null> {
    const rows: UserRow[] = await this.db.query(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
    return toRecord(rows[0]);
  }

  /** Sets a password; `mustChange` marks a temporary one (an administrator's reset). */
  async setPassword(id: string, passwordHash: string, mustChange = false): Promise<void> {
    await this.db.query(`UPDATE users SET password_hash = $2, password_must_change = $3 WHERE id = $1`, [
      id,
      passwordHash,
      mustChange,
    ]);
  }

  async recordSignIn(id: string): Promise<void> {
    await this.db.query(`UPDATE users SET last_sign_in_at = now() WHERE id = $1`, [id]);
  }

  async insertToken(token: NewUserToken): Promise<void> {
    await this.db.getRepository(UserApiTokenEntity).insert(token);
  }
}
