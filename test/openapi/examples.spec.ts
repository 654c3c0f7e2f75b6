import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { mkdtemp, rm } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type AddressInfo } from 'node:net';
import { EXAMPLE_IDS } from '../../apps/api/src/openapi/example-ids';
import { type ApiHarness, startApiHarness } from '../support/api-harness';
import { sessionCookieOf } from '../support/console-users';
import { DATASETS } from '../support/datasets';
import { writeManifestFolder } from '../support/model-folder';
import { EXAMPLE_CAMERA_KEY, EXAMPLE_USER, ExampleSeed, examplePng } from './example-seed';

/**
 * Every operation of /api/docs.json is sent to the running API with its documented example: path and query
 * parameters from their `example`, the body from the request body's example (or, failing that, from the examples
 * of the body DTO's properties, each required one having one), and the credential its `security`
 * names. The answer must carry a documented success status and a body that validates against the documented
 * schema (ajv; undocumented properties count as errors). An operation without the examples it needs fails, so
 * endpoints added later are covered without touching this file: document the examples and they are sent.
 *
 * Credentials, by the operation's `security`: `bearer` -> the administrator's token (the role table lets admin
 * call every people's endpoint), `cameraKey` -> the seeded camera's key, `session` alone -> a fresh sign-in of the
 * seeded user (cookie, plus X-CSRF-Token on state-changing methods), `[]` -> none.
 *
 * State: before each operation the seeded rows are put back (ExampleSeed.restore), so every example meets the same
 * data whatever the examples before it did (promote, revoke, cancel, disable...); the order does not matter.
 *
 * Not sent as written, each for a reason: an event stream is checked to open with 200 and text/event-stream (it
 * never ends); binary request fields get a real PNG (a file cannot be written in JSON); the SPECIAL operations below.
 */

type Json = Record<string, unknown>;
interface MediaType {
  schema?: Json;
  example?: unknown;
  examples?: Record<string, { value?: unknown }>;
}
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  example?: unknown;
  examples?: Record<string, { value?: unknown }>;
  schema?: Json;
}
interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, MediaType> };
  responses: Record<string, { content?: Record<string, MediaType> }>;
  security?: Record<string, string[]>[];
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json> };
}

/** Operations whose documented example cannot be sent as written, each with the reason and what is sent instead. */
const SPECIAL: Record<string, { reason: string; url(api: ApiHarness): Promise<string> }> = {
  'GET /api/v1/files/{token}': {
    reason:
      'a signed link is minted by the server with a five-minute expiry and its secret, so no fixed example can ' +
      'be valid; the documented parameters show the shape and the link sent is the one the links operation answers',
    url: async (api) => {
      const links = await api.call('GET', `/api/v1/inspections/${EXAMPLE_IDS.inspection}/links`, {
        token: api.adminToken,
      });
      if (links.status !== 200) throw new Error(`links answered ${links.status}`);
      return links.body.image as string;
    },
  },
};

function firstExample(holder: {
  example?: unknown;
  examples?: Record<string, { value?: unknown }>;
}): unknown {
  if (holder.example !== undefined) return holder.example;
  const first = Object.values(holder.examples ?? {})[0];
  return first?.value;
}

/** OpenAPI 3.0 schema -> JSON Schema: `nullable` becomes a union with null; objects admit only their properties. */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== 'object') return node;
  const { nullable, example: _example, examples: _examples, properties, ...rest } = node as Json;
  const out: Json = {};
  for (const [key, value] of Object.entries(rest)) out[key] = key === 'enum' ? value : toJsonSchema(value);
  if (properties) {
    out.properties = Object.fromEntries(
      Object.entries(properties as Json).map(([name, schema]) => [name, toJsonSchema(schema)]),
    );
    if (out.additionalProperties === undefined) out.additionalProperties = false;
  }
  return nullable ? { anyOf: [out, { type: 'null' }] } : out;
}

/** A parameter or form field as sent: strings as they are, anything else as JSON. */
function asText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function mediaMatches(documented: string, actual: string): boolean {
  const [type] = actual.split(';');
  if (documented.endsWith('/*')) return type.startsWith(documented.slice(0, -1));
  return type.trim() === documented;
}

describe('OpenAPI examples, sent to the running API', () => {
  let api: ApiHarness;
  let doc: OpenApiDocument;
  let seed: ExampleSeed;
  let ajv: Ajv;
  let components: Json;
  let png: Buffer;
  /** The seeded line's webhook receiver: answers 200 and keeps each event's X-Linescope-Event. */
  let receiver: Server;
  let runsRoot: string | undefined;
  const receivedEvents: string[] = [];

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      receivedEvents.push(String(request.headers['x-linescope-event']));
      request.resume();
      request.on('end', () => response.writeHead(200).end());
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/linescope`;
    // Training examples name folders of ../shared/datasets (read-only), as a deployment's training roots; the
    // import example a model folder the training CLI would have written under a second root.
    runsRoot = await mkdtemp(path.join(tmpdir(), 'ls-examples-runs-'));
    await writeManifestFolder(path.join(runsRoot, 'runs', 'objects', 'models', 'tiles-resnet10'));
    api = await startApiHarness({ TRAINING_DATA_ROOTS: `${DATASETS},${runsRoot}` });
    const docs = await api.call('GET', '/api/docs.json');
    expect(docs.status).toBe(200);
    doc = docs.body;
    const me = await api.call('GET', '/api/v1/users/me', { token: api.adminToken });
    seed = await ExampleSeed.create(api.db.url, api.running.infra.store, me.body.id, webhookUrl);
    ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addFormat('binary', true);
    components = { schemas: toJsonSchema(doc.components.schemas) };
    png = await examplePng();
  }, 120_000);

  afterAll(async () => {
    await seed?.close();
    await api?.stop();
    await new Promise((resolve) => receiver?.close(resolve));
    if (runsRoot) await rm(runsRoot, { recursive: true, force: true });
  });

  function validator(schema: Json): ValidateFunction {
    return ajv.compile({ ...(toJsonSchema(schema) as Json), components });
  }

  async function credentialHeaders(operation: Operation, method: string): Promise<Record<string, string>> {
    const requirements = operation.security ?? [];
    const schemes = new Set(requirements.flatMap((requirement) => Object.keys(requirement)));
    if (schemes.size === 0) return {};
    if (schemes.has('bearer')) return { authorization: `Bearer ${api.adminToken}` };
    if (schemes.has('cameraKey')) return { 'x-api-key': EXAMPLE_CAMERA_KEY };
    if (schemes.has('session')) {
      const login = await api.call('POST', '/api/v1/auth/login', { json: EXAMPLE_USER });
      if (login.status !== 200) throw new Error(`sign-in for the session scheme answered ${login.status}`);
      const headers: Record<string, string> = { cookie: sessionCookieOf(login) };
      if (method !== 'get') headers['x-csrf-token'] = login.body.csrfToken;
      return headers;
    }
    throw new Error(`no credential for the schemes ${[...schemes].join(', ')}`);
  }

  /**
   * A body example written on the DTO's properties (`@ApiProperty({ example })`) rather than on the body: the
   * properties that have one, and every required property must. Undefined when it cannot be made.
   */
  function exampleFromSchema(schema: Json | undefined): unknown {
    if (!schema) return undefined;
    const ref = schema.$ref as string | undefined;
    const resolved = ref ? doc.components.schemas[ref.replace('#/components/schemas/', '')] : schema;
    if (!resolved) return undefined;
    if (resolved.example !== undefined) return resolved.example;
    const properties = resolved.properties as Record<string, Json> | undefined;
    if (!properties) return undefined;
    const example: Json = {};
    for (const [name, property] of Object.entries(properties))
      if (property.example !== undefined) example[name] = property.example;
    const required = (resolved.required as string[] | undefined) ?? [];
    if (required.some((name) => !(name in example)) || !Object.keys(example).length) return undefined;
    return example;
  }

  function requestBody(
    operation: Operation,
  ): { body?: RequestInit['body']; headers: Record<string, string> } | string {
    const content = operation.requestBody?.content;
    if (!content) return { headers: {} };
    const type =
      ['application/json', 'multipart/form-data'].find((candidate) => content[candidate]) ??
      Object.keys(content)[0];
    const example = firstExample(content[type]) ?? exampleFromSchema(content[type].schema);
    if (example === undefined) return `no request body example (${type})`;
    if (type === 'application/json')
      return { body: JSON.stringify(example), headers: { 'content-type': 'application/json' } };
    if (type === 'multipart/form-data') {
      // A file cannot be written in a JSON document: binary fields get a real PNG, the other fields their example.
      const form = new FormData();
      const properties = (content[type].schema?.properties ?? {}) as Record<string, Json>;
      for (const [name, value] of Object.entries(example as Json)) {
        if (properties[name]?.format === 'binary')
          form.append(name, new Blob([new Uint8Array(png)], { type: 'image/png' }), 'example.png');
        else form.append(name, asText(value));
      }
      return { body: form, headers: {} };
    }
    if (type.startsWith('image/'))
      return { body: new Uint8Array(png), headers: { 'content-type': 'image/png' } };
    return { body: asText(example), headers: { 'content-type': type } };
  }

  /** Sends one operation's examples; answers what is wrong, or null. */
  async function sendExample(method: string, path: string, operation: Operation): Promise<string | null> {
    await seed.restore();
    let url = path;
    const query = new URLSearchParams();
    const headers: Record<string, string> = {};
    for (const parameter of operation.parameters ?? []) {
      const example = firstExample(parameter) ?? firstExample(parameter.schema ?? {});
      if (example === undefined) {
        if (parameter.in === 'path' || parameter.required)
          return `the ${parameter.in} parameter ${parameter.name} has no example`;
        continue;
      }
      const value = asText(example);
      if (parameter.in === 'path') url = url.replace(`{${parameter.name}}`, encodeURIComponent(value));
      else if (parameter.in === 'query') query.set(parameter.name, value);
      else if (parameter.in === 'header') headers[parameter.name] = value;
    }
    if (query.size) url += `?${query.toString()}`;
    const special = SPECIAL[`${method.toUpperCase()} ${path}`];
    if (special) url = await special.url(api);

    const body = requestBody(operation);
    if (typeof body === 'string') return body;
    Object.assign(headers, body.headers, await credentialHeaders(operation, method));

    const successes = Object.entries(operation.responses).filter(([status]) => /^2\d\d$/.test(status));
    if (!successes.length) return 'no success response documented';
    const controller = new AbortController();
    const response = await fetch(`${api.url}${url}`, {
      method: method.toUpperCase(),
      headers,
      body: body.body,
      redirect: 'manual',
      signal: controller.signal,
    });
    const documented = operation.responses[String(response.status)];
    // EXAMPLES_DEBUG=1 prints what each example got, for whoever is writing new ones.
    if (process.env.EXAMPLES_DEBUG) process.stdout.write(`${method} ${url} ${response.status}\n`);
    const contentType = response.headers.get('content-type') ?? '';
    if (!/^2\d\d$/.test(String(response.status)) || !documented) {
      const text = await response.text();
      return `answered ${response.status} (documented: ${successes.map(([s]) => s).join(', ')}): ${text.slice(0, 300)}`;
    }
    const content = documented.content ?? {};
    if (content['text/event-stream']) {
      // An endless stream: it opened with the documented status and type; reading it would never end.
      controller.abort();
      return contentType.startsWith('text/event-stream') ? null : `a stream answered with ${contentType}`;
    }
    const bytes = Buffer.from(await response.arrayBuffer());
    const json = content['application/json'];
    if (json) {
      if (firstExample(json) === undefined) return `the ${response.status} response has no example`;
      if (!contentType.startsWith('application/json')) return `answered ${contentType}, documented JSON`;
      const validate = validator(json.schema ?? {});
      if (!validate(JSON.parse(bytes.toString('utf8'))))
        return `the ${response.status} body breaks its schema: ${ajv.errorsText(validate.errors, { separator: '; ' })}`;
      return null;
    }
    const types = Object.keys(content);
    if (!types.length) return bytes.length ? `answered a body where none is documented` : null;
    if (!types.some((type) => mediaMatches(type, contentType)))
      return `answered ${contentType}, documented ${types.join(', ')}`;
    return bytes.length ? null : 'answered an empty file';
  }

  it('sends every operation its documented examples and gets a documented, schema-valid answer', async () => {
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ method, path, operation })),
    );
    expect(operations.length).toBeGreaterThan(40);
    const failures: string[] = [];
    for (const { method, path, operation } of operations) {
      const problem = await sendExample(method, path, operation).catch((error: Error) => error.message);
      if (problem) failures.push(`${method.toUpperCase()} ${path}: ${problem}`);
    }
    // The webhook test example reached the seeded line's receiver (its 200 is a real delivery).
    expect(receivedEvents).toContain('test');
    expect(failures).toEqual([]);
  }, 300_000);

  it('fails an operation whose example is missing, refused or answered off-schema', async () => {
    const missing: Operation = {
      operationId: 'missing',
      parameters: [{ name: 'id', in: 'path', required: true }],
      responses: { '200': {} },
    };
    expect(await sendExample('get', '/api/v1/lines/{id}', missing)).toBe(
      'the path parameter id has no example',
    );
    const lines = doc.paths['/api/v1/lines/{id}'].get;
    const unknownLine: Operation = {
      ...lines,
      parameters: [{ name: 'id', in: 'path', example: '00000000-0000-4000-8000-000000000000' }],
    };
    expect(await sendExample('get', '/api/v1/lines/{id}', unknownLine)).toMatch(/^answered 404 /);
    // The error itself has the documented ApiError body.
    const notFound = await api.call('GET', '/api/v1/lines/00000000-0000-4000-8000-000000000000', {
      token: api.adminToken,
    });
    const errorSchema = lines.responses['404'].content?.['application/json']?.schema ?? {};
    expect(validator(errorSchema)(notFound.body)).toBe(true);
    expect(validator(errorSchema)({ status: 404 })).toBe(false);
    const noBodyExample: Operation = {
      ...doc.paths['/api/v1/users'].post,
      requestBody: { content: { 'application/json': { schema: {} } } },
    };
    expect(await sendExample('post', '/api/v1/users', noBodyExample)).toBe(
      'no request body example (application/json)',
    );
    // A schema that the real answer does not meet (a property the server does not send is required).
    const stricter: Operation = {
      ...lines,
      responses: {
        '200': {
          content: {
            'application/json': {
              example: {},
              schema: { type: 'object', required: ['colour'], properties: { colour: { type: 'string' } } },
            },
          },
        },
      },
    };
    expect(await sendExample('get', '/api/v1/lines/{id}', stricter)).toMatch(/breaks its schema/);
  });

  it('sends the special operations only for a stated reason', () => {
    for (const [key, special] of Object.entries(SPECIAL)) {
      const [method, path] = key.split(' ');
      expect(doc.paths[path]?.[method.toLowerCase()]).toBeDefined();
      expect(special.reason.length).toBeGreaterThan(40);
    }
  });
});
