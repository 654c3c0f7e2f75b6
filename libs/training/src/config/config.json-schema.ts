import { zodToJsonSchema } from 'zod-to-json-schema';
import { trainingConfigSchema } from '../engine/training.config';
import { type JsonSchema, configOptions, type ConfigOption } from './config.options';

let cached: JsonSchema | undefined;

/**
 * The training configuration's JSON Schema, derived from the zod schema that validates it (one source of truth):
 * every option with its description, default and range. OpenAPI 3 flavour (inlined, no $ref), so the same
 * document serves as the OpenAPI component of a job's `config`. `data.source` is left out: the server sets it
 * from the dataset picked.
 */
export function trainingConfigJsonSchema(): JsonSchema {
  if (cached) return structuredClone(cached);
  // The cast stops TypeScript expanding the whole config type against zod-to-json-schema's generic ZodType.
  const schema = zodToJsonSchema(trainingConfigSchema as unknown as Parameters<typeof zodToJsonSchema>[0], {
    target: 'openApi3',
    $refStrategy: 'none',
    effectStrategy: 'input',
  }) as JsonSchema;
  delete schema.$schema;
  const data = schema.properties?.data;
  if (data?.properties) {
    delete data.properties.source;
    data.required = (data.required ?? []).filter((key) => key !== 'source');
  }
  schema.required = (schema.required ?? []).filter((key) => key !== 'data');
  cached = schema;
  return structuredClone(schema);
}

/** Every option of the configuration as a key path (`schedule.lr`), for the CLI's flags and --help. */
export function trainingConfigOptions(): ConfigOption[] {
  return configOptions(trainingConfigJsonSchema());
}
