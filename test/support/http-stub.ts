import { type Express } from 'express';
import { type IncomingHttpHeaders, createServer } from 'node:http';
import { type AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface StubAnswer {
  status: number;
  json?: unknown;
  headers?: Record<string, string>;
}

/**
 * A real HTTP server on a free loopback port that records every request and answers what `respond` says: the other
 * end of a service's outgoing calls (a webhook receiver, an inference instance).
 */
export interface HttpStub {
  url: string;
  requests: RecordedRequest[];
  respond: (request: RecordedRequest) => StubAnswer;
  close(): Promise<void>;
}

export async function startHttpStub(
  respond: (request: RecordedRequest) => StubAnswer = () => ({ status: 200 }),
): Promise<HttpStub> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const recorded = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks),
      };
      stub.requests.push(recorded);
      const answer = stub.respond(recorded);
      const body = answer.json === undefined ? '' : JSON.stringify(answer.json);
      response.writeHead(answer.status, { 'Content-Type': 'application/json', ...answer.headers }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const stub: HttpStub = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: [],
    respond,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return stub;
}

/** Serves an express app (a controller's shape around a service under test) on a free loopback port. */
export async function serveApp(app: Express): Promise<{ url: string; close(): Promise<void> }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
