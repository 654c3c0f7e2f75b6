import { loadConfig } from '@linescope/config';
import pino from 'pino';
import { apiErrorOf } from '../../../../test/support/service-testing';
import { LINK_LIFETIME_SECONDS, SignedUrlService } from './signed-url.service';

const SECRET = 'a-signing-secret-of-32-characters';

function signer(env: Record<string, string> = { URL_SIGNING_SECRET: SECRET }): SignedUrlService {
  return new SignedUrlService(
    loadConfig({ DATABASE_URL: 'postgresql://unused@127.0.0.1/unused', ...env }),
    pino({ level: 'silent' }),
  );
}

/** The token, expiry and signature a link carries, as the files controller reads them. */
function partsOf(url: string): [string, string | undefined, string | undefined] {
  const parsed = new URL(url, 'http://relative.invalid');
  return [
    parsed.pathname.split('/').pop()!,
    parsed.searchParams.get('expires') ?? undefined,
    parsed.searchParams.get('sig') ?? undefined,
  ];
}

describe('SignedUrlService', () => {
  const key = 'images/line/2026-01-01/abc.jpeg';
  const now = Date.parse('2026-01-01T00:00:00Z');

  it('grants the key it signed, for five minutes, on any instance sharing the secret', async () => {
    const link = signer().sign(key, now);
    expect(link.expiresAt.getTime()).toBe(now + LINK_LIFETIME_SECONDS * 1000);
    expect(link.url.startsWith('/api/v1/files/')).toBe(true);
    expect(signer().verify(...partsOf(link.url), now + 1000)).toBe(key);
  });

  it('refuses an expired link, a forged key or expiry, and an unsigned one', async () => {
    const [token, expires, sig] = partsOf(signer().sign(key, now).url);
    const service = signer();
    const forgedKey = Buffer.from('images/line/2026-01-01/other.jpeg').toString('base64url');
    const refusal = (call: () => string) => apiErrorOf(Promise.resolve().then(call));
    expect(await refusal(() => service.verify(token, expires, sig, now + 301_000))).toEqual({
      status: 403,
      error: 'link_expired',
    });
    expect(await refusal(() => service.verify(forgedKey, expires, sig, now))).toEqual({
      status: 403,
      error: 'invalid_link',
    });
    expect(await refusal(() => service.verify(token, String(Number(expires) + 3600), sig, now))).toEqual({
      status: 403,
      error: 'invalid_link',
    });
    expect(await refusal(() => service.verify(token, expires, undefined, now))).toEqual({
      status: 403,
      error: 'invalid_link',
    });
  });

  it('without a configured secret, links verify only on the instance that made them', async () => {
    const one = signer({});
    const link = one.sign(key, now);
    expect(one.verify(...partsOf(link.url), now)).toBe(key);
    expect(
      await apiErrorOf(Promise.resolve().then(() => signer({}).verify(...partsOf(link.url), now))),
    ).toEqual({
      status: 403,
      error: 'invalid_link',
    });
  });

  it('builds absolute links under PUBLIC_URL, never from a request', () => {
    const link = signer({ URL_SIGNING_SECRET: SECRET, PUBLIC_URL: 'https://scope.example.com/' }).sign(
      key,
      now,
    );
    expect(link.url.startsWith('https://scope.example.com/api/v1/files/')).toBe(true);
  });
});
