import 'reflect-metadata';
import { type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { loadConfig } from '@linescope/config';
import { type Infrastructure } from '../infrastructure/infrastructure';
import { type AppDefinition } from './run-app';

/** The app's OpenAPI document: one builder for the served `/api/docs.json` and the generated web client. */
export function buildOpenApiDocument(app: INestApplication, definition: AppDefinition): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle(definition.title)
    .setDescription(definition.description)
    .setVersion('1');
  const document = SwaggerModule.createDocument(
    app,
    (definition.openApi ? definition.openApi(builder) : builder).build(),
  );
  return definition.completeOpenApi ? definition.completeOpenApi(document) : document;
}

/** A stand-in that answers any property read or call with itself (never a thenable), so wiring code runs. */
function inert(): unknown {
  const proxy: unknown = new Proxy(() => proxy, {
    get: (_target, key) => (key === 'then' || typeof key === 'symbol' ? undefined : proxy),
    apply: () => proxy,
  });
  return proxy;
}

/**
 * The document without any I/O: Nest in preview mode scans modules, controllers and decorators but instantiates
 * no provider, so the infrastructure handed to the root module is never touched.
 */
export async function offlineOpenApiDocument(definition: AppDefinition): Promise<OpenAPIObject> {
  const known: Record<string | symbol, unknown> = { app: definition.role, config: loadConfig({}), env: {} };
  const infra = new Proxy(known, {
    get: (target, key) => (key in target ? target[key] : inert()),
  }) as unknown as Infrastructure;
  const app = await NestFactory.create(definition.rootModule(infra), {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  try {
    return buildOpenApiDocument(app, definition);
  } finally {
    await app.close();
  }
}
