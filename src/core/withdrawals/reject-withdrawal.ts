import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { requiredText } from '../shared/fields.ts';
import { idSchema } from '../shared/ids.ts';
import { parseInput } from '../shared/validation.ts';
import { decideWithdrawal } from './decide-withdrawal.ts';
import type { WithdrawalDto } from './dto.ts';

export const rejectWithdrawalInput = z.object({ id: idSchema('withdrawal'), reason: requiredText(500) });

/** An admin or operator rejects a Processing withdrawal with a reason the seller is told: held → available. */
export async function rejectWithdrawal(ctx: Ctx, raw: unknown): Promise<WithdrawalDto> {
  const { id, reason } = parseInput(rejectWithdrawalInput, raw);
  return decideWithdrawal(ctx, id, { to: 'rejected', reason });
}
