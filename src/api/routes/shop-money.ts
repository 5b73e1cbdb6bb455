import { Router } from 'express';
import type { Core } from '../../core/index.ts';
import { shopBalanceDto, shopStatement, shopStatementCsv, shopTransactions } from '../../core/ledger/index.ts';
import { accountId, requestCtx, requireSeller } from '../session.ts';

/** A seller's balances, ledger history and monthly statement, all derived from the ledger. */
export function shopMoneyRoutes(core: Core): Router {
  const r = Router();
  const seller = requireSeller(core);
  r.get('/balance', seller, async (req, res) => {
    res.json({ success: true, balance: await shopBalanceDto(requestCtx(core, req, res), accountId(res)) });
  });
  r.get('/transactions', seller, async (req, res) => {
    res.json({ success: true, ...(await shopTransactions(requestCtx(core, req, res), accountId(res), req.query)) });
  });
  r.get('/statement', seller, async (req, res) => {
    const ctx = requestCtx(core, req, res);
    if (req.accepts(['application/json', 'text/csv']) === 'text/csv') {
      const csv = await shopStatementCsv(ctx, accountId(res), req.query);
      res.type('text/csv').attachment(`statement-${String(req.query.month)}.csv`).send(csv);
      return;
    }
    res.json({ success: true, statement: await shopStatement(ctx, accountId(res), req.query) });
  });
  return r;
}
