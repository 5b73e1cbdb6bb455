import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import express, { Router } from 'express';
import { buildOpenApiDocument } from '../openapi/document.ts';

const swaggerUiDir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** The API's contract: the OpenAPI document, and a reference page rendering it from the local Swagger UI bundle. */
export function referenceRoutes(): Router {
  const r = Router();
  let document: unknown;
  r.get('/openapi.json', (_req, res) => {
    document ??= buildOpenApiDocument();
    res.json(document);
  });
  r.use('/docs/assets', express.static(swaggerUiDir, { index: false, dotfiles: 'deny' }));
  r.get('/docs', (_req, res) => {
    // The page's one inline script is allowed by a per-response nonce; everything else loads from this origin.
    const nonce = randomBytes(16).toString('base64');
    res.setHeader(
      'Content-Security-Policy',
      `default-src 'self'; script-src 'self' 'nonce-${nonce}'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; frame-ancestors 'self'`,
    );
    res.type('html').send(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>mvshop API reference</title><link rel="stylesheet" href="docs/assets/swagger-ui.css"></head>
<body>
<div id="reference"></div>
<script src="docs/assets/swagger-ui-bundle.js"></script>
<script nonce="${nonce}">SwaggerUIBundle({ url: 'openapi.json', dom_id: '#reference', deepLinking: true });</script>
</body>
</html>`);
  });
  return r;
}
