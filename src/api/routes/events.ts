import { Router } from 'express';
import type { Core } from '../../core/index.ts';
import * as catalog from '../../core/catalog/index.ts';
import { imagesFromRequest } from '../uploads.ts';
import { imageBody, MAX_IMAGES } from '../body.ts';
import { optionalViewer, requestCtx, requireAdmin, requireSeller } from '../session.ts';

/** Events: time-boxed listings. Sellers create and delete their own; anyone sees the running and upcoming ones. */
export function eventRoutes(core: Core): Router {
  const r = Router();
  const { config } = core;
  const seller = requireSeller(core);
  const admin = requireAdmin(core);
  const viewer = optionalViewer(core);
  const imagesUpload = imageBody(config, 'images', MAX_IMAGES);

  r.post('/create-event', seller, imagesUpload, async (req, res) => {
    const images = await imagesFromRequest(req, config, 'images', { min: 1, max: MAX_IMAGES });
    const event = await catalog.createEvent(requestCtx(core, req, res), req.body ?? {}, images ?? []);
    res.status(201).json({ success: true, event });
  });

  r.get('/get-all-events', async (req, res) => {
    res.json({ success: true, ...(await catalog.listEvents(core.ctx(undefined, req.log), req.query)) });
  });

  r.get('/get-all-events/:shopId', viewer, async (req, res) => {
    res.json({ success: true, ...(await catalog.listShopEvents(requestCtx(core, req, res), req.params.shopId, req.query)) });
  });

  r.delete('/delete-event/:id', seller, async (req, res) => {
    await catalog.deleteEvent(requestCtx(core, req, res), req.params.id);
    res.json({ success: true, message: 'Event deleted' });
  });

  r.get('/admin-all-events', admin, async (req, res) => {
    res.json({ success: true, ...(await catalog.adminListEvents(requestCtx(core, req, res), req.query)) });
  });

  return r;
}
