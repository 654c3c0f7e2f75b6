import { createHash, randomBytes } from 'node:crypto';

/** Prefixes tell a camera key from a person's token at a glance, in logs and in leaked-secret scanners. */
export const CAMERA_KEY_PREFIX = 'lsk_';
export const USER_TOKEN_PREFIX = 'lsu_';

export interface IssuedSecret {
  /** The secret itself: shown once, never stored. */
  secret: string;
  /** What is stored: sha256 of the secret. 192 random bits make a slow hash unnecessary. */
  hash: string;
  /** The first characters, stored to tell secrets apart in listings. */
  displayPrefix: string;
}

export function issueSecret(prefix: string): IssuedSecret {
  const secret = prefix + randomBytes(24).toString('base64url');
  return { secret, hash: hashSecret(secret), displayPrefix: secret.slice(0, prefix.length + 6) };
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
