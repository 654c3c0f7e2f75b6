/**
 * The training configuration's options as a flat list of key paths ("schedule.lr"), read from its JSON Schema:
 * what the trainer CLI accepts as flags and prints in --help. No imports, so any consumer can use it.
 */

export interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number | boolean;
  exclusiveMaximum?: number | boolean;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  items?: JsonSchema | JsonSchema[];
  minItems?: number;
  maxItems?: number;
  additionalProperties?: boolean | JsonSchema;
  [key: string]: unknown;
}

export type OptionKind = 'number' | 'integer' | 'boolean' | 'string' | 'enum' | 'json';

export interface ConfigOption {
  /** Dotted key path, as in the API's JSON: `schedule.lr`. */
  path: string;
  kind: OptionKind;
  description?: string;
  default?: unknown;
  enum?: (string | number | boolean)[];
  minimum?: number;
  maximum?: number;
  /** True when the bound itself is not allowed. */
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  /** Only for this variant of a union, e.g. `{ path: 'model.arch', value: 'resnet' }`. */
  when?: { path: string; value: string | number | boolean };
}

/** The discriminator of a union of objects: the property every variant fixes to one constant. */
export function discriminatorOf(variants: JsonSchema[]): string | undefined {
  const first = variants[0]?.properties;
  if (!first) return undefined;
  return Object.keys(first).find((key) =>
    variants.every((variant) => constantOf(variant.properties?.[key]) !== undefined),
  );
}

export function constantOf(schema: JsonSchema | undefined): string | number | boolean | undefined {
  if (!schema) return undefined;
  if (schema.const !== undefined) return schema.const as string | number | boolean;
  if (Array.isArray(schema.enum) && schema.enum.length === 1) return schema.enum[0] as string | number;
  return undefined;
}

/** Every leaf option of `schema`, depth first, in the schema's order. */
export function configOptions(schema: JsonSchema, prefix = ''): ConfigOption[] {
  const out: ConfigOption[] = [];
  walk(schema, prefix, undefined, out);
  return out;
}

function walk(
  schema: JsonSchema,
  path: string,
  when: ConfigOption['when'],
  out: ConfigOption[],
  inherited?: { description?: string; default?: unknown },
): void {
  const variants = schema.anyOf ?? schema.oneOf;
  if (schema.properties) {
    const defaults = isRecord(schema.default)
      ? schema.default
      : isRecord(inherited?.default)
        ? inherited.default
        : {};
    for (const [key, child] of Object.entries(schema.properties)) {
      const childPath = path ? `${path}.${key}` : key;
      walk(
        child,
        childPath,
        when,
        out,
        child.default === undefined && key in defaults ? { default: defaults[key] } : undefined,
      );
    }
    return;
  }
  if (variants) {
    const objects = variants.filter((variant) => variant.properties);
    const key = objects.length === variants.length ? discriminatorOf(variants) : undefined;
    if (key) {
      const values = variants.map((variant) => constantOf(variant.properties![key])!);
      out.push({
        path: `${path}.${key}`,
        kind: 'enum',
        enum: values,
        description: schema.description,
        ...(when ? { when } : {}),
      });
      for (const [index, variant] of variants.entries()) {
        const { [key]: _discriminator, ...rest } = variant.properties!;
        walk({ ...variant, properties: rest }, path, { path: `${path}.${key}`, value: values[index] }, out);
      }
      return;
    }
    const enumValues = variants.map(constantOf);
    if (enumValues.every((value) => value !== undefined)) {
      out.push(leaf(path, { ...schema, enum: enumValues }, 'enum', when, inherited ?? schema));
      return;
    }
    out.push(leaf(path, schema, 'json', when, inherited ?? schema));
    return;
  }
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  const described = { description: schema.description, default: schema.default ?? inherited?.default };
  if (Array.isArray(schema.enum)) out.push(leaf(path, schema, 'enum', when, described));
  else if (type === 'number' || type === 'integer' || type === 'boolean' || type === 'string')
    out.push(leaf(path, schema, type, when, described));
  else out.push(leaf(path, schema, 'json', when, described));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function leaf(
  path: string,
  schema: JsonSchema,
  kind: OptionKind,
  when: ConfigOption['when'],
  described: { description?: string; default?: unknown } = schema,
): ConfigOption {
  const option: ConfigOption = { path, kind };
  const description = described.description ?? schema.description;
  if (description) option.description = description;
  const fallback = described.default ?? schema.default;
  if (fallback !== undefined) option.default = fallback;
  if (Array.isArray(schema.enum)) option.enum = schema.enum as (string | number)[];
  if (typeof schema.minimum === 'number') option.minimum = schema.minimum;
  if (typeof schema.maximum === 'number') option.maximum = schema.maximum;
  if (typeof schema.exclusiveMinimum === 'number') {
    option.minimum = schema.exclusiveMinimum;
    option.exclusiveMinimum = true;
  } else if (schema.exclusiveMinimum === true) option.exclusiveMinimum = true;
  if (typeof schema.exclusiveMaximum === 'number') {
    option.maximum = schema.exclusiveMaximum;
    option.exclusiveMaximum = true;
  } else if (schema.exclusiveMaximum === true) option.exclusiveMaximum = true;
  if (when) option.when = when;
  return option;
}

/** "0 <= x < 1", "x > 0", "" for an option's range. */
export function rangeText(option: ConfigOption): string {
  const low =
    option.minimum === undefined ? '' : `${option.minimum} ${option.exclusiveMinimum ? '<' : '<='} `;
  const high =
    option.maximum === undefined ? '' : ` ${option.exclusiveMaximum ? '<' : '<='} ${option.maximum}`;
  return low || high ? `${low}x${high}` : '';
}

/** Converts a command-line value to the option's type; throws an Error with a readable message. */
export function parseOptionValue(option: ConfigOption, text: string): unknown {
  switch (option.kind) {
    case 'number':
    case 'integer': {
      const value = Number(text);
      if (text.trim() === '' || !Number.isFinite(value))
        throw new Error(`--${option.path} needs a number, got "${text}"`);
      return value;
    }
    case 'boolean':
      if (text === 'true' || text === '') return true;
      if (text === 'false') return false;
      throw new Error(`--${option.path} needs true or false, got "${text}"`);
    case 'enum': {
      const match = option.enum?.find((value) => String(value) === text);
      if (match === undefined)
        throw new Error(`--${option.path} must be one of ${option.enum?.join(', ')}, got "${text}"`);
      return match;
    }
    case 'string':
      return text;
    case 'json':
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new Error(`--${option.path} needs JSON (e.g. [0.8,1.2] or {"p":0.5}), got "${text}"`);
      }
  }
}

/** Sets `value` at a dotted path of `target`, creating the objects on the way. */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
}
