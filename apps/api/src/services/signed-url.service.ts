import { Inject, Injectable } from '@nestjs/common';
import { type AppConfig } from '@linescope/config';
import { APP_CONFIG, LOGGER } from '@linescope/platform';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { type Logger } from 'pino';
import { ApiError } from '../errors/api-error';

export const LINK_LIFETIME_SECONDS = 300;

/**
 * Short-lived links to stored objects, served by this API (`/api/v1/files/...`) whatever the store is, so the
 * object store never has to be reachable from browsers. HMAC-SHA256 over the key and the expiry.
 */
@Injectable()
export class SignedUrlService {
  private readonly secret: Buffer;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    if (config.urlSigningSecret) {
      this.secret = Buffer.from(config.urlSigningSecret);
    } else {
      this.secret = randomBytes(32);
      logger.warn(
        'URL_SIGNING_SECRET is not set: image links work only on this API instance until it restarts',
      );
    }
  }

  /**
   * Absolute under PUBLIC_URL, else relative (`/api/v1/files/...`): never built from the request's Host header,
   * which the caller controls.
   */
  sign(key: string, now = Date.now()): { url: string; expiresAt: Date } {
    const expires = Math.floor(now / 1000) + LINK_LIFETIME_SECONDS;
    const token = Buffer.from(key).toString('base64url');
    return {
      url: `${this.config.publicUrl ?? ''}/api/v1/files/${token}?expires=${expires}&sig=${this.signature(key, expires)}`,
      expiresAt: new Date(expires * 1000),
    };
  }

  /** Returns the object key a link grants, or throws 403 for a forged or expired link. */
  verify(
    token: string,
    expires: string | undefined,
    signature: string | undefined,
    now = Date.now(),
  ): string {
    const key = Buffer.from(token, 'base64url').toString('utf8');
    const expiry = Number(expires);
    if (!signature || !Number.isInteger(expiry))
      throw new ApiError(403, 'invalid_link', 'the link is not signed');
    const expected = Buffer.from(this.signature(key, expiry));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given))
      throw new ApiError(403, 'invalid_link', 'the link signature does not match');
    if (expiry * 1000 < now)
      throw new ApiError(403, 'link_expired', 'the link has expired; ask for a new one');
    return key;
  }

  private signature(key: string, expires: number): string {
    return createHmac('sha256', this.secret).update(`${key}\n${expires}`).digest('base64url');
  }
}
