import { eq } from 'drizzle-orm';
import { actorLabel, isAdmin, type Ctx } from '../context.ts';
import { shops } from '../db/schema/index.ts';
import { withdrawals, type WithdrawalStatus } from '../db/schema/withdrawals.ts';
import { withTx } from '../db/tx.ts';
import { recordAudit } from '../audit/index.ts';
import { postJournal, shopAccount } from '../ledger/index.ts';
import { queueEmail } from '../mail/index.ts';
import { AppError, forbidden, notFound } from '../shared/errors.ts';
import { formatMinor } from '../shared/money.ts';
import { maskAccountNumber, toWithdrawalDto, type WithdrawalDto } from './dto.ts';
import { withdrawalTransitions } from './status.ts';

const already: Record<WithdrawalStatus, string> = {
  Processing: 'is still processing',
  succeed: 'was already approved and paid out',
  rejected: 'was already rejected',
};

/**
 * Approves (`succeed`: held → paid out) or rejects (`rejected`: held → available) a Processing
 * withdrawal, once. The row is locked first, so of two concurrent decisions the second sees the
 * first's outcome and moves nothing. Records who decided and when, an audit row and the email.
 */
export async function decideWithdrawal(
  ctx: Ctx,
  id: string,
  decision: { to: 'succeed'; auditReason: string | null } | { to: 'rejected'; reason: string },
): Promise<WithdrawalDto> {
  if (!isAdmin(ctx.actor)) throw forbidden('Only an admin or an operator can decide on a withdrawal');
  const result = await withTx(ctx, async (tx) => {
    const c = { ...ctx, db: tx };
    const [locked] = await tx
      .select({ w: withdrawals, shop: { name: shops.name, email: shops.email } })
      .from(withdrawals)
      .innerJoin(shops, eq(shops.id, withdrawals.shopId))
      .where(eq(withdrawals.id, id))
      .for('update', { of: withdrawals });
    if (!locked) throw notFound('Withdrawal');
    const { w, shop } = locked;
    if (!withdrawalTransitions[w.status].includes(decision.to))
      throw new AppError('INVALID_STATE', `Withdrawal ${id} ${already[w.status]}`, { from: w.status, to: decision.to });
    const now = ctx.clock.now();
    const reason = decision.to === 'rejected' ? decision.reason : null;
    const [updated] = await tx
      .update(withdrawals)
      .set({ status: decision.to, reason, decidedBy: actorLabel(ctx.actor), decidedAt: now, updatedAt: now })
      .where(eq(withdrawals.id, id))
      .returning();
    const paid = decision.to === 'succeed';
    await postJournal(c, {
      kind: paid ? 'withdrawal-paid' : 'withdrawal-released',
      ref: id,
      entries: [
        { account: shopAccount.held(w.shopId), amountMinor: -w.amountMinor },
        { account: paid ? shopAccount.paidOut(w.shopId) : shopAccount.available(w.shopId), amountMinor: w.amountMinor },
      ],
    });
    await recordAudit(c, {
      action: paid ? 'withdrawal.approve' : 'withdrawal.reject',
      target: id,
      reason: decision.to === 'succeed' ? decision.auditReason : reason,
      details: { shopId: w.shopId, amountMinor: w.amountMinor, currency: w.currency },
    });
    const mail = { shop: shop.name, withdrawalId: id, amount: formatMinor(w.amountMinor), currency: w.currency };
    if (decision.to === 'succeed')
      await queueEmail(c, shop.email, 'withdrawal-approved', { ...mail, account: maskAccountNumber(w.method.bankAccountNumber) });
    else await queueEmail(c, shop.email, 'withdrawal-rejected', { ...mail, reason: decision.reason });
    return toWithdrawalDto(updated!, shop.name);
  });
  ctx.afterCommit?.();
  return result;
}
