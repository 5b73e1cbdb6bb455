import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { optionalText } from '../shared/fields.ts';
import { idSchema } from '../shared/ids.ts';
import { parseInput } from '../shared/validation.ts';
import { decideWithdrawal } from './decide-withdrawal.ts';
import type { WithdrawalDto } from './dto.ts';

// `reason` is for the audit log only: an approved withdrawal tells the seller nothing beyond the payout.
export const approveWithdrawalInput = z.object({ id: idSchema('withdrawal'), reason: optionalText(500) });

/** An admin or operator approves a Processing withdrawal: `succeed`, held → paid out, exactly once. */
export async function approveWithdrawal(ctx: Ctx, raw: unknown): Promise<WithdrawalDto> {
  const { id, reason } = parseInput(approveWithdrawalInput, raw);
  return decideWithdrawal(ctx, id, { to: 'succeed', auditReason: reason || null });
}
