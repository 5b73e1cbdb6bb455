import fc, { type Arbitrary } from 'fast-check';

/*
 * fast-check arbitraries from the JSON Schemas of the OpenAPI document: values a schema accepts, and
 * values it refuses (a wrong type, a string or number past its bounds, a missing required property,
 * one bad property inside an otherwise good object). Covers the keywords z.toJSONSchema emits for
 * core's inputs (type, enum, const, anyOf, pattern, min/max, items, properties, required).
 */

export interface Schema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, Schema>;
  required?: string[];
}

// Long enough to pass any bound, short enough to keep requests small.
const LONGEST = 300;

const samples: Record<string, unknown> = { string: 'x', number: 12.5, integer: 3, boolean: true, array: [1, 'a'], object: { a: 1 }, null: null };

const typesOf = (schema: Schema): string[] => (Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : []);

function validOfType(schema: Schema, type: string, name?: string): Arbitrary<unknown> {
  switch (type) {
    case 'string': {
      const minLength = schema.minLength ?? 0;
      const maxLength = Math.min(schema.maxLength ?? 40, Math.max(minLength, 40));
      if (schema.pattern) {
        const re = new RegExp(schema.pattern, 'u');
        return fc.stringMatching(re).filter((s) => s.length >= minLength && s.length <= (schema.maxLength ?? Infinity));
      }
      if (name && /email/i.test(name)) return fc.emailAddress().filter((s) => s.length <= (schema.maxLength ?? Infinity));
      return fc.string({ minLength, maxLength, unit: 'grapheme' }).filter((s) => s.length >= minLength && s.length <= maxLength);
    }
    case 'integer':
      return fc.integer({ min: Math.max(schema.minimum ?? -1e6, Number.MIN_SAFE_INTEGER), max: Math.min(schema.maximum ?? 1e6, Number.MAX_SAFE_INTEGER) });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(schema.items ? valid(schema.items) : fc.jsonValue(), { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 4, 4) });
    case 'object': {
      const props = schema.properties ?? {};
      const model = Object.fromEntries(Object.entries(props).map(([k, s]) => [k, valid(s, k)]));
      return fc.record(model, { requiredKeys: (schema.required ?? []).filter((k) => k in props) });
    }
    default:
      return fc.jsonValue();
  }
}

/** Values `schema` accepts; `name` (a property's) picks a realistic generator where the schema says only "string". */
export function valid(schema: Schema, name?: string): Arbitrary<unknown> {
  if ('const' in schema) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((s) => valid(s, name)));
  const types = typesOf(schema);
  if (!types.length) return fc.jsonValue();
  return fc.oneof(...types.map((t) => validOfType(schema, t, name)));
}

/** Values `schema` refuses: of the wrong kind, or past a bound it states; undefined when it accepts anything. */
export function invalid(schema: Schema): Arbitrary<unknown> | undefined {
  const options: Arbitrary<unknown>[] = [];
  const types = schema.anyOf ? schema.anyOf.flatMap(typesOf) : typesOf(schema);
  const wrong = Object.entries(samples)
    .filter(([type]) => types.length && !types.includes(type) && !(types.includes('number') && type === 'integer'))
    .map(([, v]) => v);
  if (wrong.length) options.push(fc.constantFrom(...wrong));
  if (schema.enum) options.push(fc.string({ maxLength: 12 }).filter((s) => !schema.enum!.includes(s)));
  if (types.includes('string') && !schema.anyOf) {
    if (schema.maxLength !== undefined && schema.maxLength < LONGEST)
      options.push(fc.string({ minLength: schema.maxLength + 1, maxLength: LONGEST }).filter((s) => s.length > schema.maxLength!));
    if (schema.minLength) options.push(fc.string({ maxLength: schema.minLength - 1 }).filter((s) => s.length < schema.minLength!));
    if (schema.pattern) {
      const re = new RegExp(schema.pattern, 'u');
      options.push(fc.string({ maxLength: 30 }).filter((s) => !re.test(s)));
    }
  }
  if (types.some((t) => t === 'integer' || t === 'number')) {
    if (schema.maximum !== undefined) options.push(fc.double({ min: schema.maximum, noNaN: true, noDefaultInfinity: true, minExcluded: true }));
    if (schema.minimum !== undefined) options.push(fc.double({ max: schema.minimum, noNaN: true, noDefaultInfinity: true, maxExcluded: true }));
    if (types.includes('integer') && !types.includes('number')) options.push(fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)));
  }
  if (types.includes('object') && schema.properties) {
    const props = schema.properties;
    const names = Object.keys(props);
    const base = valid(schema) as Arbitrary<Record<string, unknown>>;
    // One property made bad inside an otherwise valid object.
    if (names.length)
      options.push(
        fc
          .tuple(base, fc.constantFrom(...names))
          .chain(([obj, name]) => (invalid(props[name]!) ?? fc.constant(obj[name])).map((bad) => ({ ...obj, [name]: bad }))),
      );
    // A required property left out.
    const required = (schema.required ?? []).filter((k) => k in props);
    if (required.length)
      options.push(
        fc.tuple(base, fc.constantFrom(...required)).map(([obj, name]) => Object.fromEntries(Object.entries(obj).filter(([k]) => k !== name))),
      );
  }
  const badItem = schema.items && invalid(schema.items);
  if (types.includes('array') && badItem) options.push(fc.array(badItem, { minLength: 1, maxLength: 3 }));
  return options.length ? fc.oneof(...options) : undefined;
}

/** A value as it travels in a query string or a path segment. */
export const asText = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value) ?? '');
