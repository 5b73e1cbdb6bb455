import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../src/api/openapi/document.ts';
import { schemaErrors } from '../helpers/contract.ts';

/*
 * Every example the document shows (success and error bodies, request bodies, parameters) matches
 * the schema it illustrates, checked by the same validator that checks the test suite's responses:
 * a storefront developer who copies an example gets something the API really answers or accepts.
 */

type Json = Record<string, any>;

const document = buildOpenApiDocument() as Json;

/** The examples written on a media type or a parameter and on its schema. */
const examplesOf = (holder: Json): unknown[] => [
  ...('example' in holder ? [holder.example] : []),
  ...Object.values((holder.examples ?? {}) as Record<string, { value: unknown }>).map((e) => e.value),
  ...(holder.schema && 'example' in holder.schema ? [holder.schema.example] : []),
  ...((holder.schema?.examples ?? []) as unknown[]),
];

interface Case {
  where: string;
  schema: object;
  example: unknown;
}

const cases: Case[] = [];
const undocumentedSuccess: string[] = [];
const undocumentedRequests: string[] = [];
for (const [path, ops] of Object.entries(document.paths as Json))
  for (const [method, op] of Object.entries(ops as Json)) {
    const name = `${method.toUpperCase()} ${path}`;
    for (const [status, response] of Object.entries(op.responses as Json)) {
      const json = response.content?.['application/json'];
      if (!json) continue;
      const found = examplesOf(json);
      if (status.startsWith('2') && found.length === 0) undocumentedSuccess.push(`${name} ${status}`);
      for (const example of found) cases.push({ where: `${name} response ${status}`, schema: json.schema, example });
    }
    const jsonBody = op.requestBody?.content?.['application/json'];
    if (jsonBody && examplesOf(jsonBody).length === 0) undocumentedRequests.push(name);
    for (const [media, content] of Object.entries((op.requestBody?.content ?? {}) as Json))
      for (const example of examplesOf(content)) cases.push({ where: `${name} request ${media}`, schema: content.schema, example });
    for (const param of (op.parameters ?? []) as Json[])
      for (const example of examplesOf(param)) cases.push({ where: `${name} ${param.in} parameter ${param.name}`, schema: param.schema, example });
  }

describe('OpenAPI examples', () => {
  it('every JSON success response has an example', () => {
    expect(undocumentedSuccess).toEqual([]);
  });

  it('every JSON request body has an example', () => {
    expect(undocumentedRequests).toEqual([]);
  });

  it('every example matches the schema it illustrates', () => {
    expect(cases.length).toBeGreaterThan(200);
    const failures = cases.flatMap(({ where, schema, example }) => {
      const errors = schemaErrors(schema, example);
      return errors ? [`${where}: ${errors}`] : [];
    });
    expect(failures).toEqual([]);
  });
});
