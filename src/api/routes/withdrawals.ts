import { Router } from 'express';
import type { Core } from '../../core/index.ts';
import { approveWithdrawal, listWithdrawals, rejectWithdrawal, requestWithdrawal } from '../../core/withdrawals/index.ts';
import { jsonBody } from '../body.ts';
import { requestCtx, requireAdmin, requireSeller } from '../session.ts';

/** Sellers ask to be paid; admins approve or reject. Who may act is checked again in core. */
export function withdrawalRoutes(core: Core): Router {
  const r = Router();
  const seller = requireSeller(core);
  const admin = requireAdmin(core);
  r.post('/create-withdraw-request', seller, jsonBody(core.config), async (req, res) => {
    res.status(201).json({ success: true, withdraw: await requestWithdrawal(requestCtx(core, req, res), req.body ?? {}) });
  });
  r.get('/my-withdraw-requests', seller, async (req, res) => {
    res.json({ success: true, ...(await listWithdrawals(requestCtx(core, req, res), req.query)) });
  });
  r.get('/get-all-withdraw-request', admin, async (req, res) => {
    res.json({ success: true, ...(await listWithdrawals(requestCtx(core, req, res), req.query)) });
  });
  // The storefront re-renders its list from `withdraws` after approving.
  r.put('/update-withdraw-request/:id', admin, async (req, res) => {
    const ctx = requestCtx(core, req, res);
    const withdraw = await approveWithdrawal(ctx, { id: req.params.id });
    res.json({ success: true, withdraw, withdraws: (await listWithdrawals(ctx, {})).withdraws });
  });
  r.put('/reject-withdraw-request/:id', admin, jsonBody(core.config), async (req, res) => {
    const withdraw = await rejectWithdrawal(requestCtx(core, req, res), { id: req.params.id, reason: (req.body as { reason?: unknown } | undefined)?.reason });
    res.json({ success: true, withdraw });
  });
  return r;
}
