import { Router, type Request } from 'express';
import type { Core } from '../../core/index.ts';
import * as catalog from '../../core/catalog/index.ts';
import { createReview } from '../../core/reviews/index.ts';
import { imageBody, jsonBody, MAX_IMAGES } from '../body.ts';
import { accountId, optionalViewer, requestCtx, requireAdmin, requireSeller, requireUser } from '../session.ts';
import { imagesFromRequest } from '../uploads.ts';
import { wholeList, withReviewList } from './shims.ts';

/** A new listing's images (one to MAX_IMAGES); its owner is the session's shop, whatever `shopId` says. */
const listingImages = (req: Request, core: Core) => imagesFromRequest(req, core.config, 'images', { min: 1, max: MAX_IMAGES });

/** Products under the storefront's paths. Lists carry `reviews: []` and come whole (shims.ts). */
export function v2ProductRoutes(core: Core): Router {
  const r = Router();
  const seller = requireSeller(core);
  const viewer = optionalViewer(core);

  r.post('/create-product', seller, imageBody(core.config, 'images', MAX_IMAGES), async (req, res) => {
    const product = await catalog.createProduct(requestCtx(core, req, res), req.body ?? {}, (await listingImages(req, core)) ?? []);
    res.status(201).json({ success: true, product });
  });
  r.get('/get-all-products', async (req, res) => {
    const { products, ...page } = await catalog.searchProducts(core.ctx(undefined, req.log), wholeList(req));
    res.json({ success: true, products: withReviewList(products), ...page });
  });
  r.get('/get-all-products-shop/:id', viewer, async (req, res) => {
    const { products, ...page } = await catalog.listShopProducts(requestCtx(core, req, res), req.params.id, wholeList(req));
    res.json({ success: true, products: withReviewList(products), ...page });
  });
  r.delete('/delete-shop-product/:id', seller, async (req, res) => {
    await catalog.deleteProduct(requestCtx(core, req, res), req.params.id);
    res.json({ success: true, message: 'Product deleted' });
  });
  // `user` in the body is not read: the reviewer is the session's buyer.
  r.put('/create-new-review', requireUser(core), jsonBody(core.config), async (req, res) => {
    await createReview(requestCtx(core, req, res), accountId(res), req.body ?? {});
    res.status(201).json({ success: true, message: 'Thank you for your review' });
  });
  r.get('/admin-all-products', requireAdmin(core), async (req, res) => {
    res.json({ success: true, ...(await catalog.adminListProducts(requestCtx(core, req, res), wholeList(req))) });
  });
  return r;
}

/**
 * The storefront spells the end of an event's window `Finish_Date`; the core's field is
 * `finish_Date`. Either is taken, the core's spelling first.
 */
const eventFields = (body: unknown) => {
  const fields = (body ?? {}) as Record<string, unknown>;
  return { ...fields, finish_Date: fields.finish_Date ?? fields.Finish_Date };
};

/** Events under the storefront's paths. */
export function v2EventRoutes(core: Core): Router {
  const r = Router();
  const seller = requireSeller(core);

  r.post('/create-event', seller, imageBody(core.config, 'images', MAX_IMAGES), async (req, res) => {
    const event = await catalog.createEvent(requestCtx(core, req, res), eventFields(req.body), (await listingImages(req, core)) ?? []);
    res.status(201).json({ success: true, event });
  });
  r.get('/get-all-events', async (req, res) => {
    const { events, ...page } = await catalog.listEvents(core.ctx(undefined, req.log), wholeList(req));
    res.json({ success: true, events: withReviewList(events), ...page });
  });
  r.get('/get-all-events/:id', optionalViewer(core), async (req, res) => {
    const { events, ...page } = await catalog.listShopEvents(requestCtx(core, req, res), req.params.id, wholeList(req));
    res.json({ success: true, events: withReviewList(events), ...page });
  });
  r.delete('/delete-shop-event/:id', seller, async (req, res) => {
    await catalog.deleteEvent(requestCtx(core, req, res), req.params.id);
    res.json({ success: true, message: 'Event deleted' });
  });
  r.get('/admin-all-events', requireAdmin(core), async (req, res) => {
    res.json({ success: true, ...(await catalog.adminListEvents(requestCtx(core, req, res), wholeList(req))) });
  });
  return r;
}
