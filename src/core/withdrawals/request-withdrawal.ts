import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { withdrawals } from '../db/schema/withdrawals.ts';
import { withTx } from '../db/tx.ts';
import { postJournal, shopAccount, shopBalances } from '../ledger/index.ts';
import { queueEmail } from '../mail/index.ts';
import { withdrawalPayee } from '../shops/index.ts';
import { AppError, forbidden } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { formatMinor, moneyMajor } from '../shared/money.ts';
import { parseInput } from '../shared/validation.ts';
import { maskAccountNumber, toWithdrawalDto, type WithdrawalDto } from './dto.ts';

export const requestWithdrawalInput = z.object({
  amount: moneyMajor.pipe(z.number().positive('must be more than 0')),
});

/**
 * A seller asks to be paid `amount` to the bank account on file. In one transaction, with the
 * seller's balances locked: refused while the balance is in debt or below the amount, otherwise the
 * amount moves from available to held and the account is recorded as it is now. Concurrent
 * requests queue on that lock, so together they never hold more than was available.
 */
export async function requestWithdrawal(ctx: Ctx, raw: unknown): Promise<WithdrawalDto> {
  if (ctx.actor.kind !== 'shop') throw forbidden('Only a seller can ask to withdraw their balance');
  const shopId = ctx.actor.id;
  const { amount } = parseInput(requestWithdrawalInput, raw);
  const min = ctx.config.money.withdrawMinMinor;
  const currency = ctx.config.currency;
  if (amount < min)
    throw new AppError('VALIDATION_FAILED', `Invalid amount: the smallest withdrawal is ${formatMinor(min)} ${currency}`, {
      fields: { amount: `must be at least ${formatMinor(min)}` },
    });
  const payee = await withdrawalPayee(ctx, shopId);
  const method = payee.withdrawMethod;
  if (!method) throw new AppError('INVALID_STATE', 'Add the bank account to pay out to (your withdraw method) before asking for a withdrawal');

  const row = await withTx(ctx, async (tx) => {
    const c = { ...ctx, db: tx };
    const { availableMinor } = await shopBalances(c, shopId, { forUpdate: true });
    if (availableMinor < 0)
      throw new AppError(
        'INSUFFICIENT_FUNDS',
        `Your balance is in debt by ${formatMinor(-availableMinor)} ${currency} after refunds; withdrawals resume once new sales repay it`,
      );
    if (amount > availableMinor)
      throw new AppError('INSUFFICIENT_FUNDS', `Only ${formatMinor(availableMinor)} ${currency} is available to withdraw`);
    const now = ctx.clock.now();
    const [created] = await tx
      .insert(withdrawals)
      .values({ id: newId('withdrawal'), shopId, amountMinor: amount, currency, status: 'Processing', method, createdAt: now, updatedAt: now })
      .returning();
    const w = created!;
    await postJournal(c, {
      kind: 'withdrawal-held',
      ref: w.id,
      entries: [
        { account: shopAccount.available(shopId), amountMinor: -amount },
        { account: shopAccount.held(shopId), amountMinor: amount },
      ],
    });
    const mail = { shop: payee.name, withdrawalId: w.id, amount: formatMinor(amount), currency };
    await queueEmail(c, payee.email, 'withdrawal-requested', { ...mail, account: maskAccountNumber(method.bankAccountNumber) });
    const ops = ctx.config.money.opsEmail;
    if (ops) await queueEmail(c, ops, 'withdrawal-waiting', { ...mail, shopId });
    return w;
  });
  ctx.afterCommit?.();
  return toWithdrawalDto(row, payee.name);
}
