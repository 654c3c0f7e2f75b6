import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** Bearer tokens for people (QA, ML engineers, admins) and their scripts. Only a hash is stored. */
export class UserApiTokens1764471600000 implements MigrationInterface {
  name = 'UserApiTokens1764471600000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE user_api_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        name text NOT NULL DEFAULT '',
        token_prefix text NOT NULL,
        token_hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        revoked_at timestamptz
      )`);
    await db.query(`CREATE INDEX user_api_tokens_user ON user_api_tokens (user_id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE user_api_tokens`);
  }
}
