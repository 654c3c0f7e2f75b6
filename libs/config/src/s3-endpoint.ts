/** Parses and checks an endpoint URL; throws a one-line error for anything malformed. */
export function parseS3Endpoint(endpoint: string): { endPoint: string; port: number; useSSL: boolean } {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(
      `S3 endpoint ${JSON.stringify(endpoint)} is not a URL (expected e.g. http://127.0.0.1:9000)`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`S3 endpoint ${JSON.stringify(endpoint)} must use http or https`);
  if (url.pathname !== '/' || url.search || url.hash)
    throw new Error(
      `S3 endpoint ${JSON.stringify(endpoint)} must not have a path; the bucket is set separately`,
    );
  const useSSL = url.protocol === 'https:';
  const port = url.port ? Number(url.port) : useSSL ? 443 : 80;
  return { endPoint: url.hostname.replace(/^\[|\]$/g, ''), port, useSSL };
}
