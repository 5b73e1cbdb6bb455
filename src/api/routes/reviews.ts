import { Router } from 'express';
import type { Core } from '../../core/index.ts';
import { createReview } from '../../core/reviews/index.ts';
import { accountId, requestCtx, requireUser } from '../session.ts';
import { jsonBody } from '../body.ts';

/** PUT /product/create-new-review; mounted ahead of the product routes so `/:id` does not swallow it. */
export function reviewRoutes(core: Core): Router {
  const r = Router();
  r.put('/create-new-review', requireUser(core), jsonBody(core.config), async (req, res) => {
    await createReview(requestCtx(core, req, res), accountId(res), req.body ?? {});
    res.status(201).json({ success: true, message: 'Thank you for your review' });
  });
  return r;
}
