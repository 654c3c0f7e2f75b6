import { type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import { WebConsoleMiddleware } from './web-console.middleware';

/** The web console, served by the API on the same origin (no CORS, no CDN). */
@Module({ providers: [WebConsoleMiddleware] })
export class WebConsoleModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(WebConsoleMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }
}
