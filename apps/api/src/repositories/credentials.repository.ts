import { Injectable } from '@nestjs/common';
import { type UserRole, type VerdictMode } from '@linescope/db';
import { type CameraPrincipal } from '../auth/principals';
import { EntityManager } from 'typeorm';

/** Looks credentials up by hash. */
@Injectable()
export class CredentialsRepository {
  constructor(private readonly db: EntityManager) {}

  /** The camera of a key with what an upload needs of its line, in one round trip. */
  async findCameraByKeyHash(hash: string): Promise<Omit<CameraPrincipal, 'kind'> | null> {
    const rows: {
      camera_id: string;
      line_id: string;
      key_id: string;
      rate: number | null;
      verdict_mode: VerdictMode;
      verdict_deadline_ms: number;
    }[] = await this.db.query(
      `SELECT c.id AS camera_id, c.line_id, k.id AS key_id, c.rate_limit_per_second AS rate,
              l.verdict_mode, l.verdict_deadline_ms
         FROM camera_api_keys k JOIN cameras c ON c.id = k.camera_id JOIN production_lines l ON l.id = c.line_id
        WHERE k.key_hash = $1 AND k.revoked_at IS NULL`,
      [hash],
    );
    const row = rows[0];
    return row
      ? {
          cameraId: row.camera_id,
          lineId: row.line_id,
          keyId: row.key_id,
          rateLimitPerSecond: row.rate,
          line: { verdictMode: row.verdict_mode, verdictDeadlineMs: row.verdict_deadline_ms },
        }
      : null;
  }

  async findUserByTokenHash(hash: string): Promise<{ userId: string; role: UserRole } | null> {
    const rows: { user_id: string; role: UserRole }[] = await this.db.query(
      `SELECT u.id AS user_id, u.role
         FROM user_api_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
          AND u.disabled_at IS NULL`,
      [hash],
    );
    const row = rows[0];
    return row ? { userId: row.user_id, role: row.role } : null;
  }
}
