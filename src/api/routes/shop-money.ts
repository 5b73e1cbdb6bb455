import { Router } from 'express';
import type { Core } from '../../core/index.ts';
import { shopBalanceDto, shopTransactions } from '../../core/ledger/index.ts';
import { accountId, requestCtx, requireSeller } from '../session.ts';

/** A seller's balances and ledger history, all derived from the ledger. */
export function shopMoneyRoutes(core: Core): Router {
  const r = Router();
  const seller = requireSeller(core);
  r.get('/balance', seller, async (req, res) => {
    res.json({ success: true, balance: await shopBalanceDto(requestCtx(core, req, res), accountId(res)) });
  });
  r.get('/transactions', seller, async (req, res) => {
    res.json({ success: true, ...(await shopTransactions(requestCtx(core, req, res), accountId(res), req.query)) });
  });
  return r;
}
