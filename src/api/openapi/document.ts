import { z } from 'zod';
import type { ErrorCode } from '../../core/index.ts';
import { listingId, listingIdMessage } from '../../core/catalog/fields.ts';
import { idPattern, idPrefixes, type IdKind } from '../../core/shared/id-kinds.ts';
import { statusByCode } from '../errors.ts';
import { operations, type Guard, type Operation } from './operations.ts';

type Json = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  return rest;
}

/** The input side of a core schema: what a client sends, before defaults and transforms. */
const inputSchema = (schema: z.ZodType) => jsonSchema(schema, 'input');

const roleText: Record<Guard, string> = {
  public: 'Public: no session needed.',
  user: 'Role: a signed-in buyer (cookie `token`, or `Authorization: Bearer`).',
  seller: 'Role: a signed-in shop (cookie `seller_token`, or `Authorization: Bearer`).',
  admin: 'Role: a signed-in user whose role is Admin (cookie `token`, or `Authorization: Bearer`); any other signed-in account gets 403.',
  either: 'Role: a signed-in buyer or shop (either cookie, or `Authorization: Bearer`); the use case decides which identity may act, and a signed-in account without the right gets 403.',
};

const security: Record<Guard, Json[] | undefined> = {
  public: undefined,
  user: [{ userCookie: [] }, { bearer: [] }],
  seller: [{ sellerCookie: [] }, { bearer: [] }],
  admin: [{ userCookie: [] }, { bearer: [] }],
  either: [{ userCookie: [] }, { sellerCookie: [] }, { bearer: [] }],
};

const idPatterns = new Set(Object.keys(idPrefixes).map((kind) => idPattern(kind as IdKind).pattern.source));

/** Whether a JSON Schema takes an id anywhere: an id that names nothing is a 404. */
const takesId = (schema: unknown): boolean =>
  Array.isArray(schema)
    ? schema.some(takesId)
    : schema !== null && typeof schema === 'object' && Object.entries(schema).some(([k, v]) => (k === 'pattern' && idPatterns.has(v as string)) || takesId(v));

/**
 * The error codes an operation can answer with: implied by its guard, its rate limit, its body
 * parser and the ids its parameters, query or body name; the use case's own refusals (conflicts,
 * states, payments) are listed with the operation.
 */
function errorCodes(op: Operation): ErrorCode[] {
  const codes = new Set<ErrorCode>(op.errors ?? []);
  if (op.params || op.query || op.body) codes.add('VALIDATION_FAILED');
  if (op.guard !== 'public') codes.add('UNAUTHENTICATED').add('FORBIDDEN');
  if (op.params || (op.query && takesId(inputSchema(op.query))) || (op.body && takesId(inputSchema(op.body.schema)))) codes.add('NOT_FOUND');
  if (op.body) codes.add('PAYLOAD_TOO_LARGE').add('UNSUPPORTED_MEDIA_TYPE');
  if (op.rateLimited) codes.add('RATE_LIMITED');
  return [...codes];
}

const errorRef = { $ref: '#/components/schemas/Error' };

/** A body that is exactly `success` and the keys of core's response schemas. */
const exactBody = (success: boolean, keys: Record<string, z.ZodType>, example: Json): Json => ({
  type: 'object',
  required: ['success', ...Object.keys(keys)],
  properties: { success: { const: success }, ...Object.fromEntries(Object.entries(keys).map(([key, schema]) => [key, jsonSchema(schema, 'output')])) },
  additionalProperties: false,
  example,
});

function responses(op: Operation): Json {
  const success = op.status ?? 200;
  const example = { success: true, ...op.example };
  // With core's response schemas the body is exactly those keys; without, it has at least the example's.
  const body = op.response ? exactBody(true, op.response, example) : { allOf: [{ $ref: '#/components/schemas/Success' }], required: Object.keys(op.example), example };
  const content: Json =
    op.produces === 'text/html'
      ? { 'text/html': { schema: { type: 'string' } } }
      : op.produces === 'text/event-stream'
        ? { 'text/event-stream': { schema: { type: 'string', description: 'Server-Sent Events: `event:` and `data:` (JSON) lines' } } }
        : op.produces === 'text/csv+json'
          ? { 'application/json': { schema: body }, 'text/csv': { schema: { type: 'string' } } }
          : op.produces === 'openapi'
            ? { 'application/json': { schema: { type: 'object', required: ['openapi', 'info', 'paths'], example: { openapi: '3.1.0', info: { title: 'mvshop API', version: 'v1' }, paths: {} } } } }
            : { 'application/json': { schema: body } };
  const out: Json = { [String(success)]: { description: 'Success', content } };
  if (op.alsoStatus) out[String(op.alsoStatus)] = { description: 'Success: it already existed', content };
  if (op.degraded) {
    const example = { success: false, ...op.degraded.example };
    const schema = op.degraded.response
      ? exactBody(false, op.degraded.response, example)
      : { type: 'object', required: ['success', ...Object.keys(op.degraded.example)], properties: { success: { const: false } }, example };
    out[String(op.degraded.status)] = { description: 'Not ready', content: { 'application/json': { schema } } };
  }
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errorCodes(op)) byStatus.set(statusByCode[code], [...(byStatus.get(statusByCode[code]) ?? []), code]);
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    out[String(status)] = {
      description: `Error: ${codes.join(', ')}`,
      content: {
        'application/json': {
          // The codes this operation answers with at this status: the response validator refuses any other.
          schema: { allOf: [errorRef], properties: { code: { enum: codes } } },
          example: { success: false, message: exampleMessage(codes[0]!), code: codes[0] },
        },
      },
    };
  }
  out.default = { description: 'Any other error, in the same shape', content: { 'application/json': { schema: errorRef } } };
  return out;
}

function exampleMessage(code: ErrorCode): string {
  const messages: Partial<Record<ErrorCode, string>> = {
    VALIDATION_FAILED: 'email must be a valid email address',
    UNAUTHENTICATED: 'Please sign in first',
    FORBIDDEN: 'You are not allowed to do this',
    NOT_FOUND: 'Not found',
    RATE_LIMITED: 'Too many attempts, try again later',
  };
  return messages[code] ?? code.toLowerCase().replaceAll('_', ' ');
}

function parameters(op: Operation): Json[] {
  const out: Json[] = [];
  for (const [name, kind] of Object.entries(op.params ?? {})) {
    const [schema, description] =
      kind === 'string'
        ? [{ type: 'string', minLength: 1 }, undefined]
        : kind === 'listing'
          ? [inputSchema(listingId), listingIdMessage]
          : [{ type: 'string', pattern: idPattern(kind).pattern.source }, idPattern(kind).message];
    out.push({ name, in: 'path', required: true, schema, description });
  }
  if (op.query) {
    const schema = inputSchema(op.query) as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, prop] of Object.entries(schema.properties ?? {}))
      out.push({ name, in: 'query', required: schema.required?.includes(name) ?? false, schema: prop });
  }
  return out.map((p) => Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)));
}

function requestBody(op: Operation): Json | undefined {
  if (!op.body) return undefined;
  const schema = inputSchema(op.body.schema);
  const content: Json = {};
  if (op.body.media === 'json') content['application/json'] = { schema, ...(op.body.example && { example: op.body.example }) };
  if (op.body.media === 'multipart' || op.body.files) {
    const props = (schema.properties ?? {}) as Json;
    content['multipart/form-data'] = {
      schema: {
        ...schema,
        properties: { ...props, [op.body.files ?? 'file']: { type: 'array', items: { type: 'string', contentMediaType: 'image/*' } } },
      },
    };
  }
  return { required: op.body.media === 'multipart' || op.method === 'post', content };
}

/** `/a/:id/b` → `/a/{id}/b`. */
export const openApiPath = (expressPath: string) => expressPath.replace(/:([A-Za-z_]+)/g, '{$1}');

/** The OpenAPI 3.1 document of the whole HTTP surface, built from the operation table and core's zod schemas. */
export function buildOpenApiDocument(): Json {
  const paths: Record<string, Json> = {};
  for (const op of operations) {
    const path = openApiPath(op.path);
    const params = parameters(op);
    const body = requestBody(op);
    paths[path] ??= {};
    paths[path][op.method] = {
      operationId: `${op.method}${op.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
      summary: op.summary,
      description: roleText[op.guard],
      tags: [op.tag],
      ...(security[op.guard] && { security: security[op.guard] }),
      ...(params.length && { parameters: params }),
      ...(body && { requestBody: body }),
      responses: responses(op),
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'mvshop API',
      version: 'v1',
      description:
        'Multi-vendor marketplace API. Every error is `{success:false, message, code}` (plus `fields` for validation errors); ' +
        'a signed-in account of the wrong role gets 403, an unknown id of the right shape 404, an id of the wrong shape 400.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      securitySchemes: {
        userCookie: { type: 'apiKey', in: 'cookie', name: 'token', description: 'Buyer (and admin) session' },
        sellerCookie: { type: 'apiKey', in: 'cookie', name: 'seller_token', description: 'Shop session' },
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Either session token, for clients without cookies' },
      },
      schemas: {
        Success: { type: 'object', required: ['success'], properties: { success: { const: true } } },
        Error: {
          type: 'object',
          required: ['success', 'message', 'code'],
          properties: {
            success: { const: false },
            message: { type: 'string' },
            code: { type: 'string', enum: [...Object.keys(statusByCode), 'INTERNAL'] },
            fields: { type: 'object', additionalProperties: { type: 'string' } },
          },
        },
      },
    },
  };
}
