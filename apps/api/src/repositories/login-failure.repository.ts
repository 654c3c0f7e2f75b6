import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface LockoutRule {
  windowSeconds: number;
  maxPerEmail: number;
  maxPerIp: number;
}

/** Failed sign-ins, shared by every API instance so a lock-out holds whichever instance answers. */
@Injectable()
export class LoginFailureRepository {
  constructor(private readonly dataSource: DataSource) {}

  async record(email: string, ip: string): Promise<void> {
    await this.dataSource.query(`INSERT INTO login_failures (email, ip) VALUES ($1, $2)`, [email, ip]);
  }

  async clear(email: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM login_failures WHERE email = $1`, [email]);
  }

  /**
   * Seconds until another attempt is allowed, or null when allowed now: locked while the window holds the
   * maximum number of failures, until the oldest of those that count leaves the window.
   */
  async retryAfterSeconds(email: string, ip: string, rule: LockoutRule): Promise<number | null> {
    const rows: { wait: number | null }[] = await this.dataSource.query(
      `SELECT GREATEST(
         (SELECT extract(epoch FROM created_at + $3 * interval '1 second' - now())
            FROM login_failures WHERE email = $1 AND created_at > now() - $3 * interval '1 second'
           ORDER BY created_at DESC OFFSET $4 - 1 LIMIT 1),
         (SELECT extract(epoch FROM created_at + $3 * interval '1 second' - now())
            FROM login_failures WHERE ip = $2 AND created_at > now() - $3 * interval '1 second'
           ORDER BY created_at DESC OFFSET $5 - 1 LIMIT 1)
       )::float8 AS wait`,
      [email, ip, rule.windowSeconds, rule.maxPerEmail, rule.maxPerIp],
    );
    const wait = rows[0]?.wait;
    return wait == null ? null : Math.max(1, Math.ceil(wait));
  }

  async prune(olderThanSeconds: number): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM login_failures WHERE created_at < now() - $1 * interval '1 second'`,
      [olderThanSeconds],
    );
  }
}
