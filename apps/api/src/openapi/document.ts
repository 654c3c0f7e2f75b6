import { type DocumentBuilder, type OpenAPIObject } from '@nestjs/swagger';
import { addSecuritySchemes, SECURITY_SCHEMES } from '../auth/auth.decorators';
import { isSafeMethod } from '../auth/csrf';

/** The API document's header: its credentials and its server (relative: the API serves the document itself). */
export function describeApi(builder: DocumentBuilder): DocumentBuilder {
  return addSecuritySchemes(builder).addServer('/', 'This API (the server that serves this document)');
}

/**
 * What decorators cannot say, derived from the guard's own rules so it cannot drift:
 * - a handler without @Allow is public (AuthGuard lets it through): `security: []`;
 * - the session cookie on a state-changing method needs the CSRF header (assertCsrfToken): `session` + `csrf`.
 */
export function completeApiDocument(document: OpenAPIObject): OpenAPIObject {
  // package.json's licence: UNLICENSED, i.e. no right to use is granted (what npm's documentation, linked, says).
  document.info.license = {
    name: 'UNLICENSED (proprietary)',
    url: 'https://docs.npmjs.com/cli/v11/configuring-npm/package-json#license',
  };
  for (const methods of Object.values(document.paths)) {
    for (const [method, operation] of Object.entries(methods) as [string, { security?: object[] }][]) {
      if (typeof operation !== 'object' || operation === null || !('responses' in operation)) continue;
      if (!operation.security?.length) {
        operation.security = [];
        continue;
      }
      if (isSafeMethod(method)) continue;
      operation.security = operation.security.map((requirement) =>
        SECURITY_SCHEMES.session in requirement
          ? { [SECURITY_SCHEMES.session]: [], [SECURITY_SCHEMES.csrf]: [] }
          : requirement,
      );
    }
  }
  return document;
}
