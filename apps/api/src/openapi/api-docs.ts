import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';

/** The body of every error answer (apps/api/src/errors/api-error.ts), as OpenAPI shows it. */
export class ApiErrorDto {
  @ApiProperty({ example: 404 }) statusCode!: number;
  @ApiProperty({ description: 'A stable machine-readable code', example: 'line_not_found' }) error!: string;
  @ApiProperty({ description: 'A sentence for people', example: 'no line 0f1d5a52-...' }) message!: string;
  @ApiPropertyOptional({
    type: Object,
    description: 'Extra figures for some errors (e.g. retryAfterSeconds)',
  })
  details?: Record<string, unknown>;
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'The request is invalid: a parameter or a body field breaks its rule',
  401: 'No credential, or one that is unknown, expired or revoked',
  403: 'The credential may not call this (role, camera key or CSRF token)',
  404: 'Not found',
  409: 'The current state does not allow it',
  410: 'Gone: retention deleted the image (image_purged); the inspection row stays',
  413: 'The body is too large',
  415: 'The body has a type this operation does not take',
  429: 'Too many requests; retry after Retry-After seconds',
  503: 'A dependency (database, storage) does not answer; retry later',
};

/** A 4xx (or 503) answer: its status, or the status and what it means for this operation. */
export type ErrorSpec = number | [status: number, description: string];

/**
 * Documents the errors an operation can answer, each with the ApiError body: `@ApiErrors(400, [404, 'no such
 * line (line_not_found)'])`. 401 and 403 come from `@Allow` and need not be listed.
 */
export function ApiErrors(...errors: ErrorSpec[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...errors.map((spec) => {
      const [status, description] = typeof spec === 'number' ? [spec, DESCRIPTIONS[spec]] : spec;
      return ApiResponse({ status, description: description ?? `Error ${status}`, type: ApiErrorDto });
    }),
  );
}

/** A JSON request body of `type` with the example that the examples test sends (test/openapi). */
export function ApiJsonBody(type: new () => object, example: object, summary = 'Example'): MethodDecorator {
  return ApiBody({ type, examples: { example: { summary, value: example } } });
}
