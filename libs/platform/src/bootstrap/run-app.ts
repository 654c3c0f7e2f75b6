import 'reflect-metadata';
import { type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { type AppConfig, loadConfig } from '@linescope/config';
import { type WorkerRole } from '@linescope/queue';
import { type Server } from 'node:http';
import { type Logger } from 'pino';
import { type DependencyCheck, READINESS_CHECKS } from '../health/health.service';
import { type Infrastructure, connectInfrastructure } from '../infrastructure/infrastructure';
import { createLogger, PinoNestLogger } from '../logging/logger';
import { buildOpenApiDocument } from './openapi';
import { securityHeaders } from '../http/security-headers';

export interface AppDefinition {
  role: WorkerRole;
  title: string;
  description: string;
  port(config: AppConfig): number;
  rootModule(infra: Infrastructure): DynamicModule;
  /** Starts this app's queue workers from the Nest container; must cover every job kind of the role. */
  startWorkers(app: INestApplication, infra: Infrastructure): Promise<void>;
  /** Checks of this app's own, reported by `GET /health/ready` beside database, storage and queue. */
  readinessChecks?(app: INestApplication): Record<string, DependencyCheck>;
  /** Adds to the OpenAPI document (security schemes) before it is built. */
  openApi?(builder: DocumentBuilder): DocumentBuilder;
  /** Last touches on the built document (what decorators cannot say, e.g. `security: []` on public operations). */
  completeOpenApi?(document: OpenAPIObject): OpenAPIObject;
  /** Called first at shutdown, before the server stops accepting: end long-lived responses (event streams). */
  beforeShutdown?(app: INestApplication): void;
}

export interface RunningApp {
  app: INestApplication;
  infra: Infrastructure;
  url: string;
  shutdown(reason: string): Promise<void>;
}

/** Boots an app: config, infrastructure, Nest, OpenAPI, workers, HTTP, signal handling. */
export async function startApp(
  definition: AppDefinition,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningApp> {
  const config = loadConfig(env);
  const logger = createLogger({ app: definition.role, level: config.logLevel });
  const infra = await connectInfrastructure(definition.role, config, logger, env);
  let app: INestApplication | undefined;
  try {
    app = await NestFactory.create(definition.rootModule(infra), {
      logger: new PinoNestLogger(logger),
      abortOnError: false,
    });
    app.use(securityHeaders);
    app.use(infra.metrics.httpMiddleware());
    const document = buildOpenApiDocument(app, definition);
    SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs.json' });
    await definition.startWorkers(app, infra);
    if (definition.readinessChecks) {
      const checks = app.get<Record<string, DependencyCheck>>(READINESS_CHECKS, { strict: false });
      Object.assign(checks, definition.readinessChecks(app));
    }
    const port = definition.port(config);
    boundRequestReads(app.getHttpServer() as Server, config);
    await app.listen(port, config.host);
    const server = app.getHttpServer() as Server;
    const address = server.address();
    const actualPort = typeof address === 'object' && address ? address.port : port;
    const url = `http://${config.host}:${actualPort}`;
    logger.info({ url }, `${definition.role} listening`);
    return {
      app,
      infra,
      url,
      shutdown: (reason) => {
        definition.beforeShutdown?.(app!);
        return shutdown(app!, infra, logger, reason);
      },
    };
  } catch (error) {
    await app?.close().catch(() => undefined);
    await infra.close().catch(() => undefined);
    throw error;
  }
}

/**
 * A client that sends its headers, then trickles or stalls its body, is answered 408 and cut off once the whole
 * request has not arrived within HTTP_REQUEST_TIMEOUT_MS (headers within HTTP_HEADERS_TIMEOUT_MS): the handler's
 * read of the body fails, so nothing is stored. Node checks these bounds every `connectionsCheckingInterval`,
 * set before listening (Node reads it when the server starts listening) to a tenth of the smaller bound.
 */
function boundRequestReads(server: Server, config: AppConfig): void {
  const { headersTimeoutMs, requestTimeoutMs } = config.http;
  server.headersTimeout = headersTimeoutMs;
  server.requestTimeout = requestTimeoutMs;
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.max(
    100,
    Math.min(1_000, Math.floor(headersTimeoutMs / 10)),
  );
}

/**
 * Stops taking new requests, lets in-flight requests and jobs finish (bounded by SHUTDOWN_TIMEOUT_MS),
 * then closes the queue and the database pool.
 */
async function shutdown(
  app: INestApplication,
  infra: Infrastructure,
  logger: Logger,
  reason: string,
): Promise<void> {
  logger.info({ reason }, 'shutting down');
  infra.beginShutdown();
  const server = app.getHttpServer() as Server;
  const httpClosed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, infra.config.shutdownTimeoutMs).unref());
  await Promise.race([httpClosed, timeout]);
  server.closeAllConnections();
  await infra.close();
  await app.close();
  logger.info('stopped');
}

/** The process entry point of an app: one clear line and exit code 1 when it cannot start. */
export function runApp(definition: AppDefinition): void {
  startApp(definition).then(
    (running) => {
      let stopping = false;
      const onSignal = (signal: NodeJS.Signals) => {
        if (stopping) return;
        stopping = true;
        running.shutdown(signal).then(
          () => process.exit(0),
          (error: unknown) => {
            running.infra.logger.error({ err: error }, 'unclean shutdown');
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
      // Started by the launcher with an IPC channel: if the launcher dies, the channel closes and the app stops.
      if (process.connected) process.once('disconnect', () => onSignal('SIGTERM'));
    },
    (error: unknown) => {
      const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
      process.stderr.write(`linescope-${definition.role}: cannot start: ${message}\n`);
      process.exit(1);
    },
  );
}
