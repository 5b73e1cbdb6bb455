import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { idSchema } from '../shared/ids.ts';
import { parseInput } from '../shared/validation.ts';
import { decideWithdrawal } from './decide-withdrawal.ts';
import type { WithdrawalDto } from './dto.ts';

export const approveWithdrawalInput = z.object({ id: idSchema('withdrawal') });

/** An admin or operator approves a Processing withdrawal: `succeed`, held → paid out, exactly once. */
export async function approveWithdrawal(ctx: Ctx, raw: unknown): Promise<WithdrawalDto> {
  const { id } = parseInput(approveWithdrawalInput, raw);
  return decideWithdrawal(ctx, id, { to: 'succeed' });
}
