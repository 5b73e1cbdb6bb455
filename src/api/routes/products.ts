import { Router, type Response } from 'express';
import type { Core } from '../../core/index.ts';
import * as catalog from '../../core/catalog/index.ts';
import { imagesFromRequest } from '../uploads.ts';
import { imageBody, MAX_IMAGES } from '../body.ts';
import { optionalViewer, requestCtx, requireAdmin, requireSeller } from '../session.ts';

const SUCCESS = Buffer.from('{"success":true,');

// Each shared page's ETag, computed on its first send: Express hashes every body it sends, ~14 µs for a
// page of 20 listings, which a cached page served thousands of times need not repeat.
const etags = new WeakMap<Buffer, string>();

/**
 * `res.json({ success: true, ...page })` for a page already serialized (`{…}`), byte for byte and with
 * the same ETag, without turning the shared page back into objects.
 */
function sendSuccessJson(res: Response, page: Buffer): void {
  const body = Buffer.concat([SUCCESS, page.subarray(1)]);
  let tag = etags.get(page);
  if (tag === undefined) {
    const etagOf = res.app.get('etag fn') as ((body: Buffer) => string | undefined) | undefined;
    tag = etagOf?.(body);
    if (tag !== undefined) etags.set(page, tag);
  }
  if (tag !== undefined) res.set('ETag', tag);
  res.type('json').send(body);
}

/** Products: sellers list and edit their own; anyone browses and searches active ones; admins see all. */
export function productRoutes(core: Core): Router {
  const r = Router();
  const { config } = core;
  const seller = requireSeller(core);
  const admin = requireAdmin(core);
  const viewer = optionalViewer(core);
  const imagesUpload = imageBody(config, 'images', MAX_IMAGES);

  r.post('/', seller, imagesUpload, async (req, res) => {
    const images = await imagesFromRequest(req, config, 'images', { min: 1, max: MAX_IMAGES });
    const product = await catalog.createProduct(requestCtx(core, req, res), req.body ?? {}, images ?? []);
    res.status(201).json({ success: true, product });
  });

  // Fixed paths before `/:id`.
  r.get('/get-all-products', async (req, res) => {
    sendSuccessJson(res, await catalog.searchProductsJson(core.ctx(undefined, req.log), req.query));
  });

  r.get('/admin-all-products', admin, async (req, res) => {
    res.json({ success: true, ...(await catalog.adminListProducts(requestCtx(core, req, res), req.query)) });
  });

  r.get('/shop/:id', viewer, async (req, res) => {
    res.json({ success: true, ...(await catalog.listShopProducts(requestCtx(core, req, res), req.params.id, req.query)) });
  });

  r.get('/:id', viewer, async (req, res) => {
    res.json({ success: true, product: await catalog.getProduct(requestCtx(core, req, res), req.params.id) });
  });

  r.put('/:id', seller, imagesUpload, async (req, res) => {
    const images = await imagesFromRequest(req, config, 'images', { min: 0, max: MAX_IMAGES });
    const product = await catalog.updateProduct(requestCtx(core, req, res), req.params.id, req.body ?? {}, images);
    res.json({ success: true, product });
  });

  r.delete('/:id', seller, async (req, res) => {
    await catalog.deleteProduct(requestCtx(core, req, res), req.params.id);
    res.json({ success: true, message: 'Product deleted' });
  });

  return r;
}
