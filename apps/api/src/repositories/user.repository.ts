import { Injectable } from '@nestjs/common';
import { type UserRole } from '@linescope/db';
import { DataSource } from 'typeorm';

export interface UserRecord {
  id: string;
  email: string;
  displayName: string;
  role: UserRole;
  passwordHash: string | null;
  disabled: boolean;
}

interface UserRow {
  id: string;
  email: string;
  display_name: string;
  role: UserRole;
  password_hash: string | null;
  disabled_at: Date | null;
}

const COLUMNS = 'id, email, display_name, role, password_hash, disabled_at';

function toRecord(row: UserRow | undefined): UserRecord | null {
  return row
    ? {
        id: row.id,
        email: row.email,
        displayName: row.display_name,
        role: row.role,
        passwordHash: row.password_hash,
        disabled: row.disabled_at !== null,
      }
    : null;
}

/** People, as the sign-in and the console read them. */
@Injectable()
export class UserRepository {
  constructor(private readonly dataSource: DataSource) {}

  async findByEmail(email: string): Promise<UserRecord | null> {
    const rows: UserRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM users WHERE lower(email) = lower($1)`,
      [email],
    );
    return toRecord(rows[0]);
  }

  async findById(id: string): Promise<UserRecord | null> {
    const rows: UserRow[] = await this.dataSource.query(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
    return toRecord(rows[0]);
  }

  async setPassword(id: string, passwordHash: string): Promise<void> {
    await this.dataSource.query(`UPDATE users SET password_hash = $2 WHERE id = $1`, [id, passwordHash]);
  }
}
