import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { buildOpenApiDocument } from '../../src/api/openapi/document.ts';

/*
 * Every JSON response a TestClient receives is checked against the OpenAPI document, so a response
 * that drifts from the contract fails the test that produced it. Paths the document does not name
 * (static media, the 404 of an unknown route) are not checked here; the route-coverage test in
 * test/api/openapi.test.ts keeps the document and the router in step.
 */

type Json = Record<string, any>;

const document = buildOpenApiDocument() as Json;
const ajv = new Ajv2020({ strict: false, allErrors: true });
// Timestamps are `date-time`; an unknown format would only be skipped (and warned about).
addFormats.default(ajv);

function inlineRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(inlineRefs);
  if (node === null || typeof node !== 'object') return node;
  const ref = (node as Json).$ref;
  if (typeof ref === 'string' && ref.startsWith('#/components/schemas/'))
    return inlineRefs(document.components.schemas[ref.slice('#/components/schemas/'.length)]);
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, inlineRefs(v)]));
}

interface Route {
  method: string;
  pattern: RegExp;
  params: number;
  responses: Json;
}

const routes: Route[] = Object.entries(document.paths as Json)
  .flatMap(([path, ops]) =>
    Object.entries(ops as Json).map(([method, op]) => ({
      method: method.toUpperCase(),
      pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
      params: (path.match(/\{/g) ?? []).length,
      responses: (op as Json).responses,
    })),
  )
  // Literal segments win over parameters, as the router's registration order makes them.
  .sort((a, b) => a.params - b.params);

const compiled = new Map<object, ValidateFunction>();

/** The errors of `value` against a schema of the document (its `$ref`s resolved), or null when it matches. */
export function schemaErrors(schema: object, value: unknown): string | null {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(inlineRefs(schema) as Json);
    compiled.set(schema, validate);
  }
  return validate(value) ? null : ajv.errorsText(validate.errors);
}

/** Throws when a JSON response to `method path` does not match what the document says for its status. */
export function assertMatchesContract(method: string, url: string, status: number, contentType: string | null, body: unknown): void {
  if (!contentType?.includes('application/json')) return;
  const path = new URL(url).pathname;
  const route = routes.find((r) => r.method === method.toUpperCase() && r.pattern.test(path));
  if (!route) return;
  const response = route.responses[String(status)] ?? route.responses.default;
  const schema = response?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`Contract: ${method} ${path} answered ${status} with JSON, which the OpenAPI document does not list`);
  const errors = schemaErrors(schema, body);
  if (errors) throw new Error(`Contract: ${method} ${path} ${status} does not match the OpenAPI document: ${errors}\n${JSON.stringify(body).slice(0, 500)}`);
}
