import type { WithdrawalStatus } from '../db/schema/withdrawals.ts';
import type { Transitions } from '../shared/state-machine.ts';

/** A withdrawal is decided once: paid (`succeed`) or `rejected`, never both, never undone. */
export const withdrawalTransitions: Transitions<WithdrawalStatus> = {
  Processing: ['succeed', 'rejected'],
  succeed: [],
  rejected: [],
};
